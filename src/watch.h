/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_WATCH_H
#define BOSUN_WATCH_H

#include <signal.h>
#include <stddef.h>

/*
 * What is watched: a directory (any entry of it counts), one file by name
 * in its directory, or that file's own inode (a write through another
 * name counts too: a file bind-mounted into a container).
 */
enum watch_kind { WATCH_DIR, WATCH_NAME, WATCH_INODE };

struct watch_item {
	int wd; /* inotify's watch descriptor; -1 once the kernel drops it */
	enum watch_kind kind;
	char *path; /* as given, for the log */
	char *name; /* WATCH_NAME: the last component of path; else NULL */
};

struct watch {
	int fd; /* the inotify instance; -1 before watch_open */
	struct watch_item *v;
	size_t n;
};

/* The signal an event arrives as (F_SETSIG), with si_code POLL_IN. */
#define WATCH_SIGNAL SIGIO

int watch_match(const struct watch_item *it, const char *name);
int watch_open(struct watch *w);
int watch_add(struct watch *w, const char *path);
int watch_is_event(const struct watch *w, const siginfo_t *si);
int watch_events(struct watch *w, const char *buf, size_t len, char *what,
    size_t wlen, int *changed);
int watch_read(struct watch *w, char *what, size_t wlen, int *changed);
void watch_close(struct watch *w);

#endif
