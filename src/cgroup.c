// SPDX-License-Identifier: MIT
/*
 * cgroup: bosun's own cgroup v2 memory files, to name the OOM killer when a
 * process dies by SIGKILL. memory.events counts oom_kill (and
 * oom_group_kill); memory.max and memory.peak give the limit and the
 * high-water mark. The parsers are pure (a buffer in); the reader opens the
 * cgroup's directory once, from /proc/self/cgroup's "0::" line, and reads
 * the small files with openat. Nothing here polls: the supervisor reads
 * only when a death by SIGKILL is reaped. On cgroup v1 or without access
 * there is no directory and every read is a quiet no-op.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"

/* "key value" lines: the two OOM counters; -1 if neither is there. */
int
cgroup_parse_events(const char *buf, struct cgroup_events *ev)
{
	const char *line = buf, *v;
	char *end;
	long long n;
	size_t k;
	int found = 0;

	ev->oom_kill = ev->oom_group_kill = 0;
	for (; *line; line = *v ? v + 1 : v) {
		v = strchrnul(line, '\n');
		k = strcspn(line, " \n");
		if (line[k] != ' ')
			continue;
		errno = 0;
		n = strtoll(line + k + 1, &end, 10);
		if (errno || end != v || n < 0)
			continue;
		if (k == 8 && strncmp(line, "oom_kill", 8) == 0) {
			ev->oom_kill = n;
			found |= 1;
		} else if (k == 14 &&
		    strncmp(line, "oom_group_kill", 14) == 0) {
			ev->oom_group_kill = n;
			found |= 2;
		}
	}
	if (!(found & 1)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* memory.max, memory.peak: a number of bytes, or "max" (-1). */
int
cgroup_parse_bytes(const char *buf, long long *bytes)
{
	char *end;

	if (strcmp(buf, "max\n") == 0 || strcmp(buf, "max") == 0) {
		*bytes = -1;
		return 0;
	}
	errno = 0;
	*bytes = strtoll(buf, &end, 10);
	if (errno || end == buf || *bytes < 0 ||
	    (*end != '\0' && strcmp(end, "\n") != 0)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* /proc/self/cgroup: the path of the "0::" (cgroup v2) line. */
int
cgroup_parse_self(const char *buf, char *path, size_t len)
{
	const char *line, *nl;
	size_t n;

	for (line = buf; *line; line = *nl ? nl + 1 : nl) {
		nl = strchrnul(line, '\n');
		if (strncmp(line, "0::/", 4) != 0)
			continue;
		n = nl - line - 3;
		if (n >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(path, line + 3, n);
		path[n] = '\0';
		return 0;
	}
	errno = ENOENT;
	return -1;
}

/* A small file, NUL-terminated; -1 if it cannot be read whole. */
static int
read_small(int dir, const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (dir >= 0)
		fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	else
		fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/*
 * Finds bosun's cgroup v2 directory under root (/sys/fs/cgroup) and reads
 * its counters once. Returns -1 (dir -1) when there is none to read.
 */
int
cgroup_open(struct cgroup *cg, const char *root)
{
	char buf[4096], path[4096 + 64];
	char self[4096];

	cg->dir = -1;
	if (read_small(-1, "/proc/self/cgroup", buf, sizeof(buf)) < 0 ||
	    cgroup_parse_self(buf, self, sizeof(self)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s%s", root, self);
	cg->dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cg->dir < 0)
		return -1;
	if (read_small(cg->dir, "memory.events", buf, sizeof(buf)) < 0 ||
	    cgroup_parse_events(buf, &cg->seen) < 0) {
		close(cg->dir);
		cg->dir = -1;
		return -1;
	}
	return 0;
}

/* Reads the counters again: *rose is 1 when either went up. */
int
cgroup_oom_rose(struct cgroup *cg, int *rose)
{
	struct cgroup_events now;
	char buf[1024];

	*rose = 0;
	if (cg->dir < 0 ||
	    read_small(cg->dir, "memory.events", buf, sizeof(buf)) < 0 ||
	    cgroup_parse_events(buf, &now) < 0)
		return -1;
	*rose = now.oom_kill > cg->seen.oom_kill ||
	    now.oom_group_kill > cg->seen.oom_group_kill;
	cg->seen = now;
	return 0;
}

/* memory.max and memory.peak in bytes; -1 each when unlimited or unread. */
void
cgroup_memory(const struct cgroup *cg, long long *max, long long *peak)
{
	char buf[64];

	*max = *peak = -1;
	if (cg->dir < 0)
		return;
	if (read_small(cg->dir, "memory.max", buf, sizeof(buf)) == 0 &&
	    cgroup_parse_bytes(buf, max) < 0)
		*max = -1;
	if (read_small(cg->dir, "memory.peak", buf, sizeof(buf)) == 0 &&
	    cgroup_parse_bytes(buf, peak) < 0)
		*peak = -1;
}
