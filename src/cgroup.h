/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_CGROUP_H
#define BOSUN_CGROUP_H

#include <stddef.h>

/* The OOM counters of a cgroup v2 memory.events file. */
struct cgroup_events {
	long long oom_kill;       /* processes the OOM killer killed */
	long long oom_group_kill; /* times it killed the whole group */
};

int cgroup_parse_events(const char *buf, struct cgroup_events *ev);
int cgroup_parse_bytes(const char *buf, long long *bytes);
int cgroup_parse_self(const char *buf, char *path, size_t len);

/* bosun's own cgroup v2 directory; dir is -1 when there is none to read. */
struct cgroup {
	int dir;
	struct cgroup_events seen; /* the counters as last read */
};

int cgroup_open(struct cgroup *cg, const char *root);
int cgroup_oom_rose(struct cgroup *cg, int *rose);
void cgroup_memory(const struct cgroup *cg, long long *max, long long *peak);

#endif
