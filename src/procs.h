/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_PROCS_H
#define BOSUN_PROCS_H

#include <stddef.h>
#include <sys/types.h>

/* One line of /proc/PID/stat, the fields bosun needs. */
struct proc {
	pid_t pid, ppid;
	unsigned long long start; /* clock ticks since boot */
	long threads;
	signed char mark; /* descendant: 1 yes, 0 no, -1 unknown */
};

int procs_parse_stat(const char *line, struct proc *p);
int procs_parse_children(
    const char *s, size_t len, pid_t *v, size_t max, size_t *count);
size_t procs_descendants(struct proc *v, size_t n, pid_t root);
size_t procs_unseen(struct proc *v, size_t n, pid_t root,
    const struct proc *seen, size_t nseen);
int procs_signal_descendants(int sig, size_t *found);
int procs_own(pid_t *self);
int procs_signal_children(pid_t self, int sig, size_t *found);

#endif
