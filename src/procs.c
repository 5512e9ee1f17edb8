// SPDX-License-Identifier: MIT
/*
 * procs: finds and signals bosun's descendants when bosun is not PID 1,
 * where kill(-1) would reach every process of the user on the host.
 *
 * A /proc snapshot is not atomic, so a pid seen as a parent may have been
 * reused by another process by the time it is read. Two rules keep a
 * process that is not a descendant from ever being signalled:
 *  - a parent must have started no later than its child (a reused pid
 *    belongs to a process that started after the child was seen);
 *  - beyond bosun's own children (whose pids cannot be reused until bosun
 *    reaps them), a process is signalled through a pidfd opened before its
 *    start time is checked again, so a pid reused in between is missed
 *    rather than hit.
 * As a child subreaper bosun keeps every descendant a descendant: an
 * orphan is re-parented to bosun or to a subreaper below it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "procs.h"

/* "PID (COMM) STATE PPID ..." where COMM may hold spaces and parens. */
int
procs_parse_stat(const char *line, struct proc *p)
{
	const char *s = strrchr(line, ')');
	unsigned long long v;
	char *end;
	int field;

	if (!s || s[1] != ' ' || s[2] == '\0' || s[3] != ' ')
		return -1;
	p->pid = (pid_t)strtol(line, &end, 10);
	if (end == line || *end != ' ' || p->pid <= 0)
		return -1;
	/* s + 4 is field 4, ppid; start time is field 22 */
	s += 4;
	for (field = 4; field <= 22; field++) {
		if (*s < '0' || *s > '9')
			if (!(field != 4 && field != 22 && *s == '-'))
				return -1;
		errno = 0;
		v = strtoull(s, &end, 10);
		if (end == s || errno)
			return -1;
		if (field == 4)
			p->ppid = (pid_t)v;
		else if (field == 22)
			p->start = v;
		if (field < 22 && *end != ' ')
			return -1;
		s = end + 1;
	}
	p->mark = -1;
	return 0;
}

static int
by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static struct proc *
lookup(struct proc *v, size_t n, pid_t pid)
{
	struct proc key = { .pid = pid };

	/* bsearch and qsort must not be given a NULL array, even empty */
	return n ? bsearch(&key, v, n, sizeof(*v), by_pid) : NULL;
}

/*
 * Marks the descendants of root in a snapshot (mark = 1) and returns how
 * many there are. Sorts v by pid. Pure: testable with made-up tables.
 */
size_t
procs_descendants(struct proc *v, size_t n, pid_t root)
{
	struct proc *p, *q;
	size_t i, count = 0;
	int ok;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), by_pid);
	for (i = 0; i < n; i++)
		v[i].mark = -1;
	for (i = 0; i < n; i++) {
		/* walk up until the answer is known, marking the way back */
		p = &v[i];
		ok = 0;
		while (p->mark == -1) {
			p->mark = -2; /* visiting: a cycle means "no" */
			if (p->ppid == root) {
				ok = 1;
				break;
			}
			q = lookup(v, n, p->ppid);
			if (!q || q->mark == 0 || q->mark == -2 ||
			    q->start > p->start)
				break;
			if (q->mark == 1) {
				ok = 1;
				break;
			}
			p = q;
		}
		if (p->mark == 1)
			ok = 1;
		/* second walk: settle everything visited */
		for (p = &v[i]; p && p->mark == -2;) {
			p->mark = ok;
			if (p->ppid == root)
				break;
			p = lookup(v, n, p->ppid);
		}
	}
	for (i = 0; i < n; i++)
		count += v[i].mark == 1 && v[i].pid != root;
	return count;
}

static int
read_stat(pid_t pid, struct proc *p)
{
	char path[32], buf[1024];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	return procs_parse_stat(buf, p);
}

static int
snapshot(struct proc **out, size_t *count)
{
	struct proc *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dir;
	pid_t pid;

	if (!(dir = opendir("/proc")))
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(d->d_name);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if (!(nv = realloc(v, cap * sizeof(*v)))) {
				free(v);
				closedir(dir);
				return -1;
			}
			v = nv;
		}
		if (read_stat(pid, &v[n]) == 0)
			n++;
	}
	closedir(dir);
	*out = v;
	*count = n;
	return 0;
}

static int
signal_via_pidfd(const struct proc *p, int sig)
{
	struct proc now;
	int fd, r = -1;

	fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (fd < 0)
		return -1;
	if (read_stat(p->pid, &now) == 0 && now.start == p->start)
		r = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	close(fd);
	return r;
}

/*
 * Sends sig to every descendant of bosun. Returns how many were found, or
 * -1 if /proc could not be read.
 */
int
procs_signal_descendants(int sig)
{
	struct proc *v;
	pid_t self = getpid();
	size_t n, i, found;

	if (snapshot(&v, &n) < 0)
		return -1;
	found = procs_descendants(v, n, self);
	/* an empty directory where /proc should be lists nothing, not even
	 * bosun itself: that is no answer, not "no descendants" */
	if (!lookup(v, n, self)) {
		free(v);
		errno = ENOENT;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (v[i].mark != 1 || v[i].pid == self)
			continue;
		if (v[i].ppid == self)
			kill(v[i].pid, sig);
		else
			signal_via_pidfd(&v[i], sig);
	}
	free(v);
	return (int)found;
}
