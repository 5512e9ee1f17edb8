/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_WATCH_H
#define BOSUN_WATCH_H

#include <signal.h>
#include <stddef.h>

/*
 * What is watched: a directory (any entry of it counts), one file by name
 * in its directory, that file's own inode (a write through another name
 * counts too: a file bind-mounted into a container), or a subdirectory
 * below a --watch directory.
 */
enum watch_kind { WATCH_DIR, WATCH_NAME, WATCH_INODE, WATCH_SUBDIR };

struct watch_item {
	int wd; /* inotify's watch descriptor; -1 once the kernel drops it */
	enum watch_kind kind;
	char *path; /* as given, for the log; WATCH_SUBDIR: NULL */
	/* WATCH_NAME: the last component of path; WATCH_SUBDIR: its name in
	 * its parent (a copy of its own); else NULL */
	char *name;
	size_t parent; /* WATCH_SUBDIR: the index of its parent's item */
	int tree;      /* WATCH_DIR: its subdirectories are watched too */
};

/* At most this many subdirectories are watched, in all. */
#define WATCH_DIRS_MAX 8192

struct watch {
	int fd; /* the inotify instance; -1 before watch_open */
	struct watch_item *v;
	size_t n;
	size_t dirs;     /* the WATCH_SUBDIR items */
	size_t max_dirs; /* their limit: WATCH_DIRS_MAX */
	int full;        /* a subdirectory could not be watched: warned */
	int dropped;     /* items to be removed at the end of watch_events */
};

/* The signal an event arrives as (F_SETSIG), with si_code POLL_IN. */
#define WATCH_SIGNAL SIGIO

int watch_match(const struct watch_item *it, const char *name);
int watch_open(struct watch *w);
int watch_add(struct watch *w, const char *path);
int watch_add_tree(struct watch *w, const char *path, char *err, size_t len);
int watch_is_event(const struct watch *w, const siginfo_t *si);
int watch_events(struct watch *w, const char *buf, size_t len, char *what,
    size_t wlen, int *changed);
int watch_read(struct watch *w, char *what, size_t wlen, int *changed);
void watch_close(struct watch *w);

#endif
