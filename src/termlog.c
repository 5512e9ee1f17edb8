// SPDX-License-Identifier: MIT
/*
 * termlog: the termination message's file (Kubernetes'
 * terminationMessagePath, /dev/termination-log by default). It is written
 * once, when bosun exits, unless the command wrote it: a file that is not
 * empty and changed since bosun started is the command's, and the
 * command's own message always wins. (A file left from an earlier run,
 * unchanged, is replaced.)
 *
 * A reader must never see half a line: the line goes to a new file in the
 * same directory, renamed over the old one. Kubernetes bind-mounts the
 * file itself, where a rename fails (EBUSY) or the directory is not
 * writable; then the file is truncated and the line written with one
 * write(2), which a regular file takes whole. Only a regular file is
 * ever written: never through a link the command planted (bosun is root,
 * the command may not be), never a FIFO (that would block PID 1's exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "termlog.h"

/*
 * path opened for writing (created if missing) only if it is a regular
 * file: O_NONBLOCK, so that a FIFO there never waits for a reader (PID 1
 * would hang), and with nofollow O_NOFOLLOW, so that a link the command
 * put there (it may have dropped its privileges; bosun has not) is not
 * followed to another file. -1 with errno otherwise.
 */
static int
open_regular(const char *path, int nofollow)
{
	struct stat st;
	int fd;

	fd = open(path,
	    O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOCTTY |
	        (nofollow ? O_NOFOLLOW : 0),
	    0644);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* opt: a path, "off", or NULL for the default when it can be written. */
void
termlog_init(struct termlog *t, const char *opt)
{
	int link, fd;

	memset(t, 0, sizeof(*t));
	if (opt && strcmp(opt, "off") == 0)
		return;
	if (!opt) {
		if (access(TERMLOG_DEFAULT, W_OK) < 0)
			return;
		opt = TERMLOG_DEFAULT;
	}
	t->path = opt;
	link = lstat(opt, &t->start) == 0 && S_ISLNK(t->start.st_mode);
	t->existed = stat(opt, &t->start) == 0;
	/* a link there before the command ran is the operator's: followed
	 * now, once, its file created if need be (at exit only the file
	 * itself is written, never a link the command may have put in its
	 * place) */
	if (link) {
		if (!t->existed && (fd = open_regular(opt, 0)) >= 0)
			close(fd);
		if (realpath(opt, t->real))
			t->path = t->real;
	}
}

/* The file, opened for startup.c's handler to write into: -1 if none. */
int
termlog_open(const struct termlog *t)
{
	if (!t->path)
		return -1;
	return open_regular(t->path, 0);
}

static int
write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= w;
	}
	return 0;
}

/* A new file beside it, renamed over it; -1 if that cannot be done. */
static int
replace(const struct termlog *t, const char *line)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(t->path, '/');
	int fd, n;

	if (!slash)
		n = snprintf(tmp, sizeof(tmp), ".bosun-termlog.XXXXXX");
	else
		n = snprintf(tmp, sizeof(tmp), "%.*s/.bosun-termlog.XXXXXX",
		    (int)(slash - t->path), t->path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return -1;
	if (write_all(fd, line, strlen(line)) < 0 ||
	    fchmod(fd, t->existed ? t->start.st_mode & 07777 : 0644) < 0)
		goto fail;
	/* the owner the file had, where bosun may give it */
	if (t->existed && fchown(fd, t->start.st_uid, t->start.st_gid) < 0 &&
	    errno != EPERM)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, t->path) == 0)
		return 0;
	fd = -1;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/*
 * Writes the line unless the command wrote the file (*left is 1 then).
 * Returns 0, or -1 with errno.
 */
int
termlog_write(const struct termlog *t, const char *line, int *left)
{
	struct stat now, l;
	int fd, r;

	*left = 0;
	if (!t->path)
		return 0;
	if (stat(t->path, &now) == 0 && now.st_size > 0 &&
	    (!t->existed || now.st_ino != t->start.st_ino ||
	        now.st_size != t->start.st_size ||
	        now.st_mtim.tv_sec != t->start.st_mtim.tv_sec ||
	        now.st_mtim.tv_nsec != t->start.st_mtim.tv_nsec)) {
		*left = 1;
		return 0;
	}
	/* only a regular file (or none) is replaced: never a symlink to
	 * something else, a device, a fifo */
	if ((lstat(t->path, &l) == 0 ? S_ISREG(l.st_mode) : errno == ENOENT) &&
	    replace(t, line) == 0)
		return 0;
	/* the file itself (a bind mount): never through a link, never a
	 * FIFO or a device */
	if ((fd = open_regular(t->path, 1)) < 0)
		return -1;
	/* one write: a regular file takes it whole */
	r = ftruncate(fd, 0) < 0 ? -1 : write_all(fd, line, strlen(line));
	if (close(fd) < 0)
		r = -1;
	return r;
}
