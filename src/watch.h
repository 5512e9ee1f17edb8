/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_WATCH_H
#define BOSUN_WATCH_H

#include <signal.h>
#include <stddef.h>

/*
 * What is watched: a directory (name NULL: any entry of it counts), or
 * one file, watched through its directory (name is its last component).
 */
struct watch_item {
	int wd; /* inotify's watch descriptor; -1 once the kernel drops it */
	char *path; /* as given, for the log */
	char *name; /* NULL for a directory; points into path otherwise */
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
