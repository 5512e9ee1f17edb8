// SPDX-License-Identifier: MIT
/*
 * watch: the paths whose change makes bosun act (--on-change): every file
 * and directory a secret was loaded from, and every --watch PATH. One
 * inotify instance, made signal-driven (O_ASYNC, F_SETSIG WATCH_SIGNAL,
 * F_SETOWN bosun) so that the supervisor's one rt_sigtimedwait also
 * returns for it: no second thing to wait on, no timer, no polling.
 *
 * A directory is watched for its entries (not its subdirectories). A file
 * is watched through its directory, by name: a file replaced by rename
 * (editors, git, the kubelet) or deleted and created again needs no new
 * watch, as a watch on the file's inode would. In a file's directory a
 * change of a name starting with ".." counts too: that is a Kubernetes
 * volume's ..data swap, which replaces every key at once while the key's
 * own link does not change. A file given as a symbolic link is watched
 * under both names, the link and its target. The file's inode is watched
 * as well, for writes through another name (a file bind-mounted into a
 * container and written in place on the host); that watch is armed again
 * on the new inode whenever the name changes.
 *
 * Only the path is ever logged, never what a file holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "watch.h"

/* a change of an entry: created, written, renamed, removed, chmod'ed */
#define ENTRY_EVENTS                                                           \
	(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |              \
	    IN_MOVED_TO | IN_ATTRIB)
/* the directory itself went away or moved */
#define SELF_EVENTS (IN_DELETE_SELF | IN_MOVE_SELF)
/* a file's own inode: written, chmod'ed or unlinked, removed, moved */
#define INODE_EVENTS (IN_CLOSE_WRITE | IN_ATTRIB | SELF_EVENTS)

/*
 * Whether a change of the entry name (NULL: the directory itself) is a
 * change of it.
 */
int
watch_match(const struct watch_item *it, const char *name)
{
	if (!name || !*name || !it->name)
		return 1;
	return strcmp(name, it->name) == 0 || strncmp(name, "..", 2) == 0;
}

/* The inotify instance, delivering WATCH_SIGNAL to bosun on each event. */
int
watch_open(struct watch *w)
{
	int fd, e;

	w->v = NULL;
	w->n = 0;
	w->fd = fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fcntl(fd, F_SETOWN, getpid()) < 0 ||
	    fcntl(fd, F_SETSIG, WATCH_SIGNAL) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK | O_ASYNC) < 0) {
		e = errno;
		close(fd);
		w->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

static int
known(const struct watch *w, int wd, enum watch_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].wd == wd && w->v[i].kind == kind &&
		    (!name || strcmp(name, w->v[i].name) == 0))
			return 1;
	return 0;
}

/* Records what wd stands for. */
static int
add_item(struct watch *w, int wd, const char *path, enum watch_kind kind)
{
	struct watch_item *v, *it;
	char *copy, *slash;
	int file = kind == WATCH_NAME;

	if (!(copy = strdup(path)))
		return -1;
	slash = strrchr(copy, '/');
	if (known(w, wd, kind, file ? (slash ? slash + 1 : copy) : NULL)) {
		free(copy);
		return 0;
	}
	if (!(v = realloc(w->v, (w->n + 1) * sizeof(*v)))) {
		free(copy);
		return -1;
	}
	w->v = v;
	it = &v[w->n++];
	it->wd = wd;
	it->kind = kind;
	it->path = copy;
	it->name = file ? (slash ? slash + 1 : copy) : NULL;
	return 0;
}

/* A file, through its directory, and its inode. */
static int
add_file(struct watch *w, const char *path)
{
	char dir[PATH_MAX];
	int wd;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	wd = inotify_add_watch(
	    w->fd, dirname(dir), ENTRY_EVENTS | SELF_EVENTS | IN_ONLYDIR);
	if (wd < 0 || add_item(w, wd, path, WATCH_NAME) < 0)
		return -1;
	wd = inotify_add_watch(w->fd, path, INODE_EVENTS);
	return wd < 0 ? -1 : add_item(w, wd, path, WATCH_INODE);
}

/* The file at path changed its name: watch the inode it names now. */
static void
rearm(struct watch *w, const char *path)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].kind == WATCH_INODE &&
		    strcmp(w->v[i].path, path) == 0)
			w->v[i].wd =
			    inotify_add_watch(w->fd, path, INODE_EVENTS);
}

/*
 * Watches path, which must exist: a directory for its entries, anything
 * else as a file. Returns 0, or -1 with errno.
 */
int
watch_add(struct watch *w, const char *path)
{
	char target[PATH_MAX];
	struct stat st, lst;
	int wd;

	if (stat(path, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		wd = inotify_add_watch(
		    w->fd, path, ENTRY_EVENTS | SELF_EVENTS | IN_ONLYDIR);
		return wd < 0 ? -1 : add_item(w, wd, path, WATCH_DIR);
	}
	if (add_file(w, path) < 0)
		return -1;
	/* a link to a file elsewhere: its target changes there */
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) &&
	    realpath(path, target))
		return add_file(w, target);
	return 0;
}

/* Whether si is the watch's own signal (not the same signal from outside:
 * the kernel refuses a positive si_code from another process). */
int
watch_is_event(const struct watch *w, const siginfo_t *si)
{
	return w->fd >= 0 && si->si_signo == WATCH_SIGNAL &&
	    si->si_code == POLL_IN && si->si_fd == w->fd;
}

static void
note(char *what, size_t wlen, const char *path, const char *name)
{
	if (what[0])
		return;
	if (name && *name)
		snprintf(what, wlen, "%s: changed (%s)", path, name);
	else
		snprintf(what, wlen, "%s: changed", path);
}

/*
 * Goes through the events in buf: *changed is set when one of them is a
 * change of something watched, and what describes the first such change
 * (if it is still empty). Returns 0.
 */
int
watch_events(struct watch *w, const char *buf, size_t len, char *what,
    size_t wlen, int *changed)
{
	struct inotify_event ev;
	const char *name;
	size_t at, i;

	for (at = 0; at + sizeof(ev) <= len; at += sizeof(ev) + ev.len) {
		memcpy(&ev, buf + at, sizeof(ev));
		if (at + sizeof(ev) + ev.len > len)
			break;
		name = ev.len ? buf + at + sizeof(ev) : NULL;
		if (ev.mask & IN_Q_OVERFLOW) {
			/* events were lost: anything may have changed */
			*changed = 1;
			note(what, wlen, "inotify", "events lost");
			continue;
		}
		for (i = 0; i < w->n; i++) {
			if (w->v[i].wd != ev.wd)
				continue;
			if (ev.mask & IN_IGNORED) {
				/* an inode's watch is armed again by name */
				if (w->v[i].kind != WATCH_INODE)
					log_warn("%s is no longer watched: its "
					         "directory is gone",
					    w->v[i].path);
				w->v[i].wd = -1;
				continue;
			}
			if (!watch_match(&w->v[i], name))
				continue;
			if (w->v[i].kind == WATCH_NAME && w->fd >= 0)
				rearm(w, w->v[i].path);
			*changed = 1;
			log_debug("%s: event 0x%x on %s", w->v[i].path,
			    (unsigned)ev.mask, name ? name : ".");
			note(what, wlen, w->v[i].path, name);
		}
	}
	return 0;
}

/* Reads every pending event (watch_events). Returns 0, or -1 with errno. */
int
watch_read(struct watch *w, char *what, size_t wlen, int *changed)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	if (w->fd < 0)
		return 0;
	for (;;) {
		n = read(w->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (n == 0)
			return 0;
		watch_events(w, buf, (size_t)n, what, wlen, changed);
	}
}

void
watch_close(struct watch *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i].path);
	free(w->v);
	w->v = NULL;
	w->n = 0;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
