// SPDX-License-Identifier: MIT
/*
 * files: reading whole files and listing directories, for the secret
 * sources and the hooks. A buffer that may hold a value grows by copying
 * and zeroes what it leaves behind; every buffer handed out is the
 * caller's to zero and free.
 *
 * What is being read is published in files_reading, for a start-up
 * deadline's message: a copy of a path (never a value) in a buffer of its
 * own. The pointer is cleared while the buffer is written, so a signal
 * handler never sees it half written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

const char *volatile files_reading;
static char reading_buf[4200];

/*
 * dir/name into buf of size len (name NULL: dir alone), cut short if it
 * does not fit, always terminated. Without printf: it is done per file.
 */
void
files_join(char *buf, size_t len, const char *dir, const char *name)
{
	size_t d = strlen(dir), n = name ? strlen(name) : 0;

	if (len == 0)
		return;
	if (d > len - 1)
		d = len - 1;
	memcpy(buf, dir, d);
	if (name && d < len - 1) {
		buf[d++] = '/';
		if (n > len - 1 - d)
			n = len - 1 - d;
		memcpy(buf + d, name, n);
		d += n;
	}
	buf[d] = '\0';
}

/* path, or path/name, is being read from now on. */
void
files_reading_start(const char *path, const char *name)
{
	files_reading = NULL;
	atomic_signal_fence(memory_order_seq_cst);
	files_join(reading_buf, sizeof(reading_buf), path, name);
	atomic_signal_fence(memory_order_seq_cst);
	files_reading = reading_buf;
}

void
files_reading_done(void)
{
	files_reading = NULL;
}

/*
 * Makes room for *cap of at least want bytes, by copying: no stale copy of
 * the len bytes held is left behind. Returns 0, or -1 with errno.
 */
int
files_grow(char **buf, size_t len, size_t *cap, size_t want)
{
	char *nb;

	if (want <= *cap)
		return 0;
	if (!(nb = malloc(want)))
		return -1;
	if (*buf) {
		memcpy(nb, *buf, len);
		explicit_bzero(*buf, len);
		free(*buf);
	}
	*buf = nb;
	*cap = want;
	return 0;
}

/*
 * Reads the regular file open at fd, of at most max bytes, into a new
 * buffer, and closes fd. Returns 0, or -1 with errno (EFBIG when larger
 * than max, EINVAL when not a regular file, EISDIR for a directory).
 *
 * The one fstat is both the regular-file check and the buffer's size:
 * st_size + 1 bytes, so that a file still the size fstat gave is read
 * whole by one short read and needs no second read to see its end. A
 * file that grew fills the buffer and is read on; one whose size says
 * nothing (0, as in /proc) is read until read returns 0; one larger than
 * max is refused unread. O_NONBLOCK, which the opener may have set for a
 * FIFO's sake, does nothing to most regular files' reads: it is cleared
 * only when a read says EAGAIN.
 */
int
files_read_fd(int fd, size_t max, char **out, size_t *n)
{
	struct stat st;
	size_t len = 0, cap = 0, size = 0;
	char *buf = NULL;
	ssize_t r;
	int e, blocking = 0;

	if (fstat(fd, &st) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	else
		e = 0;
	if (e) {
		close(fd);
		errno = e;
		return -1;
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	size = (size_t)st.st_size;
	if (files_grow(&buf, 0, &cap, size ? size + 1 : 4096) < 0)
		goto fail;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			if (files_grow(&buf, len, &cap, cap * 2) < 0)
				goto fail;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN && !blocking) {
			/* a regular file that honours O_NONBLOCK (tracefs,
			 * some of /proc): wait for it as for any file */
			blocking = 1;
			if (fcntl(fd, F_SETFL, 0) == 0)
				continue;
		}
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += r;
		/* as large as fstat said, with room left: that was the end */
		if (size && len == size && len < cap)
			break;
	}
	if (len > max) {
		errno = EFBIG;
		goto fail;
	}
	close(fd);
	*out = buf;
	*n = len;
	return 0;
fail:
	e = errno;
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
	close(fd);
	errno = e;
	return -1;
}

/*
 * Reads a regular file (symlinks followed) of at most max bytes into a
 * new buffer. Returns 0, or -1 with errno (EFBIG when larger than max).
 */
int
files_read(const char *path, size_t max, char **out, size_t *n)
{
	int fd, r;

	files_reading_start(path, NULL);
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. openat,
	 * not open: musl's open follows O_CLOEXEC with an fcntl (for kernels
	 * older than 2.6.23), a system call per file for nothing */
	fd = openat(
	    AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	r = fd < 0 ? -1 : files_read_fd(fd, max, out, n);
	files_reading_done();
	return r;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in dir, sorted, so that what is done with them (and any error)
 * is reproducible. "." and names starting with ".." are always left out;
 * with hidden, every name starting with a dot is. Returns 0, or -1 with
 * errno; free the list with files_free_list.
 */
int
files_list_dir(const char *dir, int hidden, char ***out, size_t *count)
{
	char **names = NULL, **nn;
	struct dirent *d;
	size_t n = 0;
	DIR *dp;
	int e;

	files_reading_start(dir, NULL);
	if (!(dp = opendir(dir))) {
		files_reading_done();
		return -1;
	}
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' &&
		    (hidden || d->d_name[1] == '.' || d->d_name[1] == '\0'))
			continue;
		if (!(nn = realloc(names, (n + 1) * sizeof(*names))) ||
		    !(nn[n] = strdup(d->d_name))) {
			e = errno;
			closedir(dp);
			files_reading_done();
			files_free_list(nn ? nn : names, n);
			errno = e;
			return -1;
		}
		names = nn;
		n++;
	}
	closedir(dp);
	files_reading_done();
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	*out = names;
	*count = n;
	return 0;
}

void
files_free_list(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}
