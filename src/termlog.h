/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_TERMLOG_H
#define BOSUN_TERMLOG_H

#include <limits.h>
#include <sys/stat.h>

#define TERMLOG_DEFAULT "/dev/termination-log"

/* Where the termination message goes, and the file as it was at start. */
struct termlog {
	const char *path;    /* NULL: nowhere */
	char real[PATH_MAX]; /* where a link given as the path led at start */
	int existed;
	struct stat start;
};

void termlog_init(struct termlog *t, const char *opt);
int termlog_open(const struct termlog *t);
int termlog_write(const struct termlog *t, const char *line, int *left);

#endif
