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
 *
 * Descendants are found by walking down from bosun through the children
 * files of every thread (/proc/PID/task/TID/children), so the cost is that
 * of the descendants, whatever else runs; each child found must name its
 * parent as ppid and have started no earlier. Without those files (a
 * kernel without CONFIG_PROC_CHILDREN) every process in /proc is read and
 * the tree built from the ppids.
 *
 * Processes fork while /proc is read: a signal round repeats the scan
 * until it finds no process (pid and start time) it has not signalled.
 *
 * Files are opened with openat(AT_FDCWD): musl's open adds an fcntl
 * after O_CLOEXEC, one system call per /proc file read.
 *
 * All this holds only when /proc numbers processes as bosun's namespace
 * does. A /proc of another namespace (bosun in a pid namespace that did
 * not mount its own) would make strangers of the same numbers look like
 * descendants: there bosun signals only its own children, through their
 * /proc directories.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
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
		else if (field == 20)
			p->threads = (long)v;
		else if (field == 22)
			p->start = v;
		if (field < 22 && *end != ' ')
			return -1;
		s = end + 1;
	}
	p->mark = -1;
	return 0;
}

/*
 * A children file: "PID PID ... PID " (each pid followed by a space; the
 * last space is tolerated missing). Puts at most max pids in v. Returns
 * 0, or -1 with errno (EINVAL: not such a list; ENOBUFS: more than max).
 */
int
procs_parse_children(
    const char *s, size_t len, pid_t *v, size_t max, size_t *count)
{
	const char *end = s + len;
	unsigned long long pid;
	size_t n = 0;
	int digits;

	while (s < end) {
		for (pid = 0, digits = 0; s < end && *s >= '0' && *s <= '9';
		     s++, digits++) {
			pid = pid * 10 + (unsigned)(*s - '0');
			if (pid > INT_MAX)
				goto bad;
		}
		if (!digits || pid == 0 || (s < end && *s++ != ' '))
			goto bad;
		if (n == max) {
			errno = ENOBUFS;
			return -1;
		}
		v[n++] = (pid_t)pid;
	}
	*count = n;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

static int
by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static struct proc *
find_pid(struct proc *v, size_t n, pid_t pid)
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
			q = find_pid(v, n, p->ppid);
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
			p = find_pid(v, n, p->ppid);
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
	if ((fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC)) < 0)
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

/*
 * Appends to *kids the pids in one children file. Returns 0, or -1 with
 * errno (ENOENT: no such file, as without CONFIG_PROC_CHILDREN).
 */
static int
read_children(const char *path, pid_t **kids, size_t *nk, size_t *cap)
{
	static char *buf;
	static size_t bcap;
	size_t len = 0, n;
	ssize_t r;
	pid_t *nv;
	char *nb;
	int fd, e;

	if ((fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	for (;;) {
		if (len == bcap) {
			if (!(nb = realloc(buf, bcap ? bcap * 2 : 4096)))
				goto fail;
			buf = nb;
			bcap = bcap ? bcap * 2 : 4096;
		}
		r = read(fd, buf + len, bcap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	/* a pid takes two bytes at least: "N " */
	if (*nk + len / 2 + 1 > *cap) {
		n = *nk + len / 2 + 1;
		if (!(nv = realloc(*kids, n * sizeof(*nv))))
			return -1;
		*kids = nv;
		*cap = n;
	}
	if (procs_parse_children(buf, len, *kids + *nk, *cap - *nk, &n) < 0)
		return -1;
	*nk += n;
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* The children of every thread of p (just its own with one thread). */
static int
children_of(const struct proc *p, pid_t **kids, size_t *nk, size_t *cap)
{
	char path[80];
	struct dirent *d;
	DIR *dir;
	int r = 0;

	*nk = 0;
	if (p->threads == 1) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
		    (int)p->pid, (int)p->pid);
		return read_children(path, kids, nk, cap);
	}
	snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
	if (!(dir = opendir(path)))
		return -1;
	while (r == 0 && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
		    (int)p->pid, d->d_name);
		/* a thread that ended meanwhile has no children left */
		if (read_children(path, kids, nk, cap) < 0 && errno != ENOENT)
			r = -1;
	}
	closedir(dir);
	return r;
}

/*
 * bosun (v[0], mark 0) and its descendants (mark 1), found by walking
 * down the children files. A child must name its parent as ppid and have
 * started no earlier (else its pid was reused meanwhile); one that is
 * gone by the time it is read is left out. Returns -1 with errno when
 * bosun's own children file cannot be read.
 */
static int
walk(pid_t self, struct proc **out, size_t *count)
{
	struct proc *v, *nv, parent, c;
	size_t n = 0, cap = 64, i, k, nk = 0, kcap = 0;
	pid_t *kids = NULL;
	int e;

	if (!(v = malloc(cap * sizeof(*v))))
		return -1;
	if (read_stat(self, &v[0]) < 0) {
		errno = ENOENT;
		goto fail;
	}
	v[n++].mark = 0;
	for (i = 0; i < n; i++) {
		parent = v[i];
		if (children_of(&parent, &kids, &nk, &kcap) < 0) {
			if (i == 0)
				goto fail;
			continue; /* gone, or its threads changed: next pass */
		}
		for (k = 0; k < nk; k++) {
			if (read_stat(kids[k], &c) < 0 ||
			    c.ppid != parent.pid || c.start < parent.start)
				continue;
			if (n == cap) {
				if (!(nv = realloc(v, 2 * cap * sizeof(*v))))
					goto fail;
				v = nv;
				cap *= 2;
			}
			c.mark = 1;
			v[n++] = c;
		}
	}
	free(kids);
	*out = v;
	*count = n;
	return 0;
fail:
	e = errno;
	free(kids);
	free(v);
	errno = e;
	return -1;
}

/*
 * The processes of this pass with bosun's descendants marked: by the
 * walk, or from every process in /proc when there are no children files.
 */
static int
descendants_now(pid_t self, struct proc **v, size_t *n)
{
	if (walk(self, v, n) == 0)
		return 0;
	if (snapshot(v, n) < 0)
		return -1;
	/* an empty directory where /proc should be lists nothing, not even
	 * bosun itself: that is no answer, not "no descendants" */
	if (!find_pid(*v, *n, self)) {
		free(*v);
		errno = ENOENT;
		return -1;
	}
	procs_descendants(*v, *n, self);
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

static int
by_pid_start(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->start > y->start) - (x->start < y->start);
}

/*
 * Of the descendants marked in v, unmarks those already in seen (sorted by
 * pid, then start time: a pid reused by a new process is a new process)
 * and returns how many are left, root aside. Pure.
 */
size_t
procs_unseen(
    struct proc *v, size_t n, pid_t root, const struct proc *seen, size_t nseen)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++) {
		if (v[i].mark != 1 || v[i].pid == root)
			continue;
		if (nseen &&
		    bsearch(&v[i], seen, nseen, sizeof(*seen), by_pid_start))
			v[i].mark = 0;
		else
			count++;
	}
	return count;
}

/* enough for any honest tree; a fork bomb ignoring the signal ends it */
#define MAX_PASSES 64
/* how long a round waits, at most, for signals to be taken */
#define SETTLE_MS 100

/*
 * Whether sig is still pending, unblocked, for pid: it may be inside a
 * fork(), whose child shows up in /proc only once the fork is done, and
 * takes the signal when it returns. A blocked one may wait forever, as
 * may a stopped process.
 */
static int
pending(pid_t pid, int sig)
{
	char path[40], buf[2048], *s;
	unsigned long long pnd = 0, shd = 0, blk = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	/* stopped, traced or dead, it takes nothing until continued */
	if ((s = strstr(buf, "\nState:\t")) && strchr("TtZX", s[8]))
		return 0;
	if ((s = strstr(buf, "\nSigPnd:")))
		pnd = strtoull(s + 8, NULL, 16);
	if ((s = strstr(buf, "\nShdPnd:")))
		shd = strtoull(s + 8, NULL, 16);
	if ((s = strstr(buf, "\nSigBlk:")))
		blk = strtoull(s + 8, NULL, 16);
	return ((pnd | shd) & ~blk) >> (sig - 1) & 1;
}

/*
 * Waits, within budget ms, until no process signalled in this round
 * still has the signal pending: then any fork it was in has finished and
 * its child is in /proc for the next pass. SIGKILL needs no wait: the
 * kernel fails a fork whose parent is being killed. Returns the budget
 * left.
 */
static int
settle(const struct proc *seen, size_t nseen, int sig, int budget)
{
	struct timespec ms = { 0, 1000000 };
	size_t i = 0;

	if (sig == SIGKILL)
		return budget;
	while (i < nseen && budget > 0) {
		if (!pending(seen[i].pid, sig)) {
			i++;
			continue;
		}
		nanosleep(&ms, NULL);
		budget--;
	}
	return budget;
}

/*
 * Sends sig to every descendant of bosun, counted in *found. Processes
 * fork while /proc is read, so one snapshot misses children born after
 * their parent's entry was read: the scan is repeated, each pass
 * signalling only the processes (pid and start time) not yet signalled,
 * until a pass finds none after every signal sent was taken (settle).
 * Returns -1 if /proc could not be read at all.
 */
int
procs_signal_descendants(int sig, size_t *found)
{
	struct proc *v, *seen = NULL, *ns;
	pid_t self = getpid();
	size_t n, i, nseen = 0, fresh;
	int pass, full = 0, listed = 0, settled = 0, budget = SETTLE_MS;

	*found = 0;
	for (pass = 0; pass < MAX_PASSES && !full; pass++) {
		if (descendants_now(self, &v, &n) < 0)
			break;
		listed = 1;
		fresh = procs_unseen(v, n, self, seen, nseen);
		if (fresh == 0) {
			free(v);
			if (settled)
				break;
			budget = settle(seen, nseen, sig, budget);
			settled = 1;
			continue;
		}
		settled = 0;
		/* without memory to remember them, this pass is the last */
		ns = realloc(seen, (nseen + fresh) * sizeof(*seen));
		if (ns)
			seen = ns;
		else
			full = 1;
		for (i = 0; i < n; i++) {
			if (v[i].mark != 1 || v[i].pid == self)
				continue;
			if (v[i].ppid == self)
				kill(v[i].pid, sig);
			else
				signal_via_pidfd(&v[i], sig);
			if (!full)
				seen[nseen++] = v[i];
		}
		*found += fresh;
		free(v);
		qsort(seen, nseen, sizeof(*seen), by_pid_start);
	}
	free(seen);
	/* a later pass that fails leaves the earlier ones done */
	return listed ? 0 : -1;
}

/* How many pids the NSpid line of a status file lists; 0 without one. */
static int
nspid_count(FILE *f)
{
	char buf[256], *s, *end;
	int n = 0;

	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "NSpid:", 6) != 0)
			continue;
		for (s = buf + 6;; s = end) {
			strtol(s, &end, 10);
			if (end == s)
				break;
			n++;
		}
		break;
	}
	return n;
}

/*
 * Whether /proc shows bosun's own pid namespace. *self is bosun's pid as
 * that /proc numbers it, 0 when it is not there. A /proc mounted for an
 * ancestor namespace numbers everything differently: /proc/self is not
 * getpid(), or (should the two numbers happen to agree) NSpid lists more
 * than one pid. Returns 0 when it is ours, -1 otherwise (errno EXDEV for
 * another namespace's).
 */
int
procs_own(pid_t *self)
{
	char buf[32], *end;
	int ours;
	FILE *f;
	ssize_t r;
	long v;

	*self = 0;
	r = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || *end || v <= 0) {
		errno = EXDEV;
		return -1;
	}
	*self = (pid_t)v;
	ours = *self == getpid();
	if (ours && (f = fopen("/proc/self/status", "re"))) {
		ours = nspid_count(f) <= 1;
		fclose(f);
	}
	if (!ours)
		errno = EXDEV;
	return ours ? 0 : -1;
}

/*
 * Sends sig to bosun's own children as a foreign /proc lists them, self
 * being bosun's pid there. Such a pid cannot be reused before bosun reaps
 * the child, which it does not do meanwhile; the child is signalled
 * through its /proc directory, which pidfd_send_signal takes as a pidfd,
 * since the pid means another process in bosun's namespace.
 */
int
procs_signal_children(pid_t self, int sig, size_t *found)
{
	char path[64], *word = NULL;
	unsigned long long pid;
	size_t cap = 0;
	FILE *f;
	int fd, err = 0;

	*found = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)self,
	    (int)self);
	if (!(f = fopen(path, "re")))
		return -1;
	/* "PID PID ... ": read word by word (no scanf: it would bring a
	 * floating-point parser into the static binary) */
	while (!err && getdelim(&word, &cap, ' ', f) > 0) {
		word[strcspn(word, " \n")] = '\0';
		if (parse_number(word, INT_MAX, &pid) < 0)
			break;
		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
		fd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0)
			(*found)++;
		else if (errno == ENOSYS || errno == EBADF)
			err = errno; /* before Linux 5.1: no way to signal */
		close(fd);
	}
	free(word);
	fclose(f);
	errno = err;
	return err ? -1 : 0;
}
