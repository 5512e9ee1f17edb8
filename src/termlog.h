/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_TERMLOG_H
#define BOSUN_TERMLOG_H

#include <sys/stat.h>

#define TERMLOG_DEFAULT "/dev/termination-log"

/* Where the termination message goes, and the file as it was at start. */
struct termlog {
	const char *path; /* NULL: nowhere */
	int existed;
	struct stat start;
};

void termlog_init(struct termlog *t, const char *opt);
int termlog_open(const struct termlog *t);
int termlog_write(const struct termlog *t, const char *line, int *left);

#endif
