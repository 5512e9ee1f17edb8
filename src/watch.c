// SPDX-License-Identifier: MIT
/*
 * watch: the paths whose change makes bosun act (--on-change): every file
 * and directory a secret was loaded from, and every --watch PATH. One
 * inotify instance, made signal-driven (O_ASYNC, F_SETSIG WATCH_SIGNAL,
 * F_SETOWN bosun) so that the supervisor's one rt_sigtimedwait also
 * returns for it: no second thing to wait on, no timer, no polling.
 *
 * A directory is watched for its entries. A --watch directory is watched
 * with every directory below it, one inotify watch each (inotify does not
 * recurse): a directory made or moved in later is walked and watched with
 * what it already holds, one removed or moved out is no longer watched. A
 * symbolic link is never followed down (a loop, or a link out of the
 * tree), nor is a directory met twice (a bind mount of an ancestor). At
 * most WATCH_DIRS_MAX subdirectories are watched, in all; a subdirectory's
 * item keeps only its name and its parent's index, and a parent comes
 * before its children in the array. The secret sources' directories are
 * watched for their entries only.
 *
 * A file is watched through its directory, by name: a file replaced by rename
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
#include <dirent.h>
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
/* a directory: its entries and itself */
#define DIR_EVENTS (ENTRY_EVENTS | SELF_EVENTS | IN_ONLYDIR)

/*
 * Whether a change of the entry name (NULL: the directory itself) is a
 * change of it.
 */
int
watch_match(const struct watch_item *it, const char *name)
{
	if (!name || !*name || it->kind != WATCH_NAME)
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
	w->dirs = 0;
	w->max_dirs = WATCH_DIRS_MAX;
	w->full = 0;
	w->dropped = 0;
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

/* Whether an item is watching wd. */
static int
known_wd(const struct watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].wd == wd)
			return 1;
	return 0;
}

/* Appends a copy of *it, which owns its strings from then on. */
static int
append(struct watch *w, const struct watch_item *it)
{
	struct watch_item *v;

	if (!(v = realloc(w->v, (w->n + 1) * sizeof(*v))))
		return -1;
	w->v = v;
	v[w->n++] = *it;
	return 0;
}

/* Records what wd stands for. */
static int
add_item(struct watch *w, int wd, const char *path, enum watch_kind kind)
{
	struct watch_item it = { .wd = wd, .kind = kind };
	char *copy, *slash;
	int file = kind == WATCH_NAME;

	if (!(copy = strdup(path)))
		return -1;
	slash = strrchr(copy, '/');
	if (known(w, wd, kind, file ? (slash ? slash + 1 : copy) : NULL)) {
		free(copy);
		return 0;
	}
	it.path = copy;
	it.name = file ? (slash ? slash + 1 : copy) : NULL;
	if (append(w, &it) < 0) {
		free(copy);
		return -1;
	}
	return 0;
}

/* A directory whose subdirectories are watched too. */
static int
is_tree(const struct watch_item *it)
{
	return it->kind == WATCH_SUBDIR || (it->kind == WATCH_DIR && it->tree);
}

/* Whether wd is a tree's directory already: one met again through a bind
 * mount is not walked again. */
static int
in_tree(const struct watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].wd == wd && is_tree(&w->v[i]))
			return 1;
	return 0;
}

/*
 * The path of item i, for a subdirectory joined from its ancestors' names
 * into buf (len: PATH_MAX, as inotify took every one). NULL (ENAMETOOLONG)
 * when it does not fit.
 */
static const char *
item_path(const struct watch *w, size_t i, char *buf, size_t len)
{
	const struct watch_item *it = &w->v[i];
	size_t at = len, n;

	if (it->kind != WATCH_SUBDIR)
		return it->path;
	buf[--at] = '\0';
	for (; it->kind == WATCH_SUBDIR; it = &w->v[it->parent]) {
		n = strlen(it->name);
		if (n + 1 > at)
			goto too_long;
		at -= n;
		memcpy(buf + at, it->name, n);
		buf[--at] = '/';
	}
	n = strlen(it->path);
	if (n && it->path[n - 1] == '/')
		n--; /* "/" or "dir/": its slash is the one already there */
	if (n > at)
		goto too_long;
	at -= n;
	memcpy(buf + at, it->path, n);
	memmove(buf, buf + at, len - at);
	return buf;
too_long:
	errno = ENAMETOOLONG;
	return NULL;
}

/* The path of item i for a message. */
static const char *
shown(const struct watch *w, size_t i, char *buf, size_t len)
{
	const char *p = item_path(w, i, buf, len);

	return p ? p : "(a path too long)";
}

/* Why inotify_add_watch (or a copy) failed with errno, into err; at: the
 * subdirectory, NULL for the --watch path itself. */
static void
failed(char *err, size_t len, const char *at)
{
	const char *why = errno == ENOSPC
	    ? "the limit of inotify watches is "
	      "reached (fs.inotify.max_user_watches)"
	    : strerror(errno);

	if (at)
		snprintf(err, len, "%s, at %s", why, at);
	else
		snprintf(err, len, "%s", why);
}

/*
 * Watches the directory name in tree directory parent, never through a
 * symbolic link. Returns 0 (watched, or skipped with a -v line: gone,
 * unreadable, met before), or -1 at a limit (WATCH_DIRS_MAX, inotify's
 * own) or without memory, with the reason in err.
 */
static int
add_subdir(
    struct watch *w, size_t parent, const char *name, char *err, size_t len)
{
	struct watch_item it = { .kind = WATCH_SUBDIR, .parent = parent };
	char path[PATH_MAX], buf[PATH_MAX];
	const char *dir;
	int wd;

	if (!(dir = item_path(w, parent, buf, sizeof(buf))) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	        (int)sizeof(path)) {
		log_info("not watched, its path is too long: %s in %s", name,
		    shown(w, parent, buf, sizeof(buf)));
		return 0;
	}
	if (w->dirs >= w->max_dirs) {
		snprintf(err, len, "more than %zu directories, at %s",
		    w->max_dirs, path);
		return -1;
	}
	wd = inotify_add_watch(w->fd, path, DIR_EVENTS | IN_DONT_FOLLOW);
	if (wd < 0 && errno == ENOSPC) {
		failed(err, len, path);
		return -1;
	}
	if (wd < 0) {
		/* gone already, a link now, or not ours to read */
		log_info("%s: not watched: %s", path, strerror(errno));
		return 0;
	}
	if (in_tree(w, wd))
		return 0;
	if (!(it.name = strdup(name)) || (it.wd = wd, append(w, &it) < 0)) {
		free(it.name);
		failed(err, len, path);
		return -1;
	}
	w->dirs++;
	return 0;
}

/* Whether the directory entry d of dp is a directory (not a link to one). */
static int
is_dir(DIR *dp, const struct dirent *d)
{
	struct stat st;

	if (d->d_type != DT_UNKNOWN)
		return d->d_type == DT_DIR;
	return fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode);
}

/*
 * Watches the subdirectories of the tree directories from item from on:
 * each one found is appended, and walked when the loop reaches it. No
 * recursion, one directory open at a time. Returns 0, or -1 at a limit
 * (add_subdir) with the reason in err.
 */
static int
scan(struct watch *w, size_t from, char *err, size_t len)
{
	char buf[PATH_MAX];
	const char *path;
	struct dirent *d;
	DIR *dp;
	size_t i;
	int r = 0;

	for (i = from; i < w->n && r == 0; i++) {
		if (!is_tree(&w->v[i]) || w->v[i].wd < 0)
			continue;
		if (!(path = item_path(w, i, buf, sizeof(buf))) ||
		    !(dp = opendir(path))) {
			log_info("%s: its subdirectories are not watched: %s",
			    shown(w, i, buf, sizeof(buf)), strerror(errno));
			continue;
		}
		while (r == 0 && (d = readdir(dp)))
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
			    is_dir(dp, d))
				r = add_subdir(w, i, d->d_name, err, len);
		closedir(dp);
	}
	return r;
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

/*
 * --watch PATH: a directory with every directory below it, anything else
 * as watch_add does. Returns 0, or -1 with the reason in err (the limit
 * of directories or of inotify watches reached, at which directory).
 */
int
watch_add_tree(struct watch *w, const char *path, char *err, size_t len)
{
	struct watch_item it = { .kind = WATCH_DIR, .tree = 1 };
	size_t at = w->n;
	struct stat st;

	if (stat(path, &st) < 0)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		if (watch_add(w, path) < 0)
			goto fail;
		return 0;
	}
	if ((it.wd = inotify_add_watch(w->fd, path, DIR_EVENTS)) < 0)
		goto fail;
	if (in_tree(w, it.wd))
		return 0;
	if (!(it.path = strdup(path)) || append(w, &it) < 0) {
		free(it.path);
		goto fail;
	}
	return scan(w, at, err, len);
fail:
	failed(err, len, NULL);
	return -1;
}

/* Whether si is the watch's own signal (not the same signal from outside:
 * the kernel refuses a positive si_code from another process). */
int
watch_is_event(const struct watch *w, const siginfo_t *si)
{
	return w->fd >= 0 && si->si_signo == WATCH_SIGNAL &&
	    si->si_code == POLL_IN && si->si_fd == w->fd;
}

/*
 * Subdirectory j is no longer watched (rm: its watch is still the
 * kernel's, unless another item shares it). Its item goes at the end of
 * watch_events.
 */
static void
unwatch(struct watch *w, size_t j, int rm)
{
	int wd = w->v[j].wd;

	w->v[j].wd = -1;
	if (rm && !known_wd(w, wd))
		inotify_rm_watch(w->fd, wd);
	w->dirs--;
	w->full = 0;
	w->dropped = 1;
}

/* Every subdirectory below item i, which is no longer watched: one pass,
 * as a parent comes before its children. */
static void
unwatch_below(struct watch *w, size_t i)
{
	size_t j;

	for (j = i + 1; j < w->n; j++)
		if (w->v[j].kind == WATCH_SUBDIR && w->v[j].wd >= 0 &&
		    w->v[w->v[j].parent].wd < 0)
			unwatch(w, j, 1);
}

/* Removes the items of the subdirectories no longer watched, in order. */
static void
compact(struct watch *w)
{
	size_t *to, i, k = 0;

	if (!w->dropped || !(to = malloc(w->n * sizeof(*to))))
		return; /* without memory: the next time */
	for (i = 0; i < w->n; i++) {
		if (w->v[i].kind == WATCH_SUBDIR && w->v[i].wd < 0) {
			free(w->v[i].name);
			continue;
		}
		to[i] = k;
		w->v[k] = w->v[i];
		if (w->v[k].kind == WATCH_SUBDIR)
			w->v[k].parent = to[w->v[k].parent];
		k++;
	}
	free(to);
	w->n = k;
	w->dropped = 0;
}

/* A subdirectory could not be watched: one warning, until one is dropped
 * (then there may be room again). */
static void
limit(struct watch *w, const char *err)
{
	if (!w->full)
		log_warn("not every directory is watched: %s", err);
	w->full = 1;
}

/* Watches what is new below the items from on: a directory made or moved
 * in, or every tree again after lost events. */
static void
grow(struct watch *w, size_t from)
{
	char err[PATH_MAX + 128];

	if (scan(w, from, err, sizeof(err)) < 0)
		limit(w, err);
}

/* A directory came into tree directory i, or left it. */
static void
follow(struct watch *w, size_t i, const char *name, uint32_t mask)
{
	char err[PATH_MAX + 128];
	size_t j, at = w->n;

	if (mask & (IN_DELETE | IN_MOVED_FROM))
		for (j = i + 1; j < w->n; j++)
			if (w->v[j].kind == WATCH_SUBDIR &&
			    w->v[j].parent == i && w->v[j].wd >= 0 &&
			    strcmp(w->v[j].name, name) == 0) {
				unwatch(w, j, 1);
				unwatch_below(w, j);
			}
	if (!(mask & (IN_CREATE | IN_MOVED_TO)))
		return;
	if (add_subdir(w, i, name, err, sizeof(err)) < 0)
		limit(w, err);
	else
		grow(w, at);
}

/* The kernel dropped item i's watch: its directory is gone (or the file
 * an inode watch is armed on again by name). */
static void
dropped(struct watch *w, size_t i)
{
	char buf[PATH_MAX];

	switch (w->v[i].kind) {
	case WATCH_INODE:
		w->v[i].wd = -1;
		return;
	case WATCH_SUBDIR:
		unwatch(w, i, 0); /* as it goes: no warning */
		break;
	default:
		log_warn("%s is no longer watched: its directory is gone",
		    shown(w, i, buf, sizeof(buf)));
		w->v[i].wd = -1;
	}
	unwatch_below(w, i);
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
	char buf_path[PATH_MAX];
	const char *name, *path;
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
			/* a directory made meanwhile is walked now */
			grow(w, 0);
			continue;
		}
		for (i = 0; i < w->n; i++) {
			if (w->v[i].wd != ev.wd)
				continue;
			if (ev.mask & IN_IGNORED) {
				dropped(w, i);
				continue;
			}
			if (!watch_match(&w->v[i], name))
				continue;
			if (is_tree(&w->v[i]) && name && (ev.mask & IN_ISDIR))
				follow(w, i, name, ev.mask);
			if (w->v[i].kind == WATCH_NAME && w->fd >= 0)
				rearm(w, w->v[i].path);
			*changed = 1;
			path = shown(w, i, buf_path, sizeof(buf_path));
			log_debug("%s: event 0x%x on %s", path,
			    (unsigned)ev.mask, name ? name : ".");
			note(what, wlen, path, name);
		}
	}
	compact(w);
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

	for (i = 0; i < w->n; i++) {
		free(w->v[i].path);
		if (w->v[i].kind == WATCH_SUBDIR)
			free(w->v[i].name);
	}
	free(w->v);
	w->v = NULL;
	w->n = 0;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
