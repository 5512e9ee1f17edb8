// SPDX-License-Identifier: MIT
/*
 * secrets: the file sources of the command's environment: env-files,
 * secret files and directories (Kubernetes volumes too), VAR_FILE
 * variables and env:VAR references. Their order is sources.c's.
 *
 * Invariants: a value is never printed (messages name the variable and
 * its source, env-file errors give file:line); a value goes only into the
 * command's envlist, never into bosun's environment; every buffer that
 * held a value is zeroed before it is freed. Anything missing, unreadable
 * or malformed is an error: bosun fails closed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "parse.h"
#include "secrets.h"

/* env-files and hook output are read whole, up to this size */
#define ENVFILE_MAX (4 << 20)

/* how often a Kubernetes volume is read again when it changed meanwhile */
#define KUBE_TRIES 10

int
secrets_valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* The length of v without its trailing "\n" and "\r\n" sequences. */
size_t
secrets_trim(const char *v, size_t n)
{
	while (n > 0 && v[n - 1] == '\n') {
		n--;
		if (n > 0 && v[n - 1] == '\r')
			n--;
	}
	return n;
}

/*
 * The an bytes at a, then the bn bytes at b, into buf of size len (> 0),
 * cut short to fit and terminated: names and sources are made per secret,
 * where printf would cost more than the rest.
 */
static void
put2(char *buf, size_t len, const char *a, size_t an, const char *b, size_t bn)
{
	if (an > len - 1)
		an = len - 1;
	memcpy(buf, a, an);
	if (bn > len - 1 - an)
		bn = len - 1 - an;
	memcpy(buf + an, b, bn);
	buf[an + bn] = '\0';
}

/* u in decimal at buf (room for 10 digits); returns how many. */
static size_t
decimal(char *buf, unsigned u)
{
	char tmp[10];
	size_t n = 0, i;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static int set_error(struct secrets_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
set_error(struct secrets_ctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Watches path before it is read (--on-change), so no change is missed;
 * a missing path is for the read to report. */
static int
watch(struct secrets_ctx *x, const char *path)
{
	if (!x->watch || x->watch(x->watch_arg, path) == 0 || errno == ENOENT)
		return 0;
	return set_error(x, "cannot watch %s: %s", path, strerror(errno));
}

/* Sets name to the n bytes at v, after checking what exec can carry. */
int
secrets_set(struct secrets_ctx *x, const char *name, const char *v, size_t n,
    const char *source)
{
	int r;

	if (memchr(v, '\0', n))
		return set_error(x,
		    "%s from %s contains a NUL byte, which an "
		    "environment cannot carry",
		    name, source);
	if (strlen(name) + 1 + n + 1 > SECRETS_MAX_STRING)
		return set_error(x,
		    "%s from %s is too large for the environment "
		    "(%zu bytes for NAME=VALUE; at most %d): mount the secret "
		    "as a file instead",
		    name, source, strlen(name) + 1 + n, SECRETS_MAX_STRING - 1);
	r = envlist_set_n(x->env, name, v, n);
	if (r < 0)
		return set_error(x, "out of memory");
	log_info("%s from %s", name, source);
	return 0;
}

/* NAME's value in bosun's own environment (indexed by the envlist). */
static const char *
inherited(const struct secrets_ctx *x, const char *name, size_t n)
{
	return envlist_inherited(x->env, name, n);
}

/*
 * Docker's --env-file syntax: NAME=VALUE taken literally, "#" comments
 * and blank lines skipped, leading white space ignored, a bare NAME copied
 * from bosun's environment when set there. Errors say file:line only.
 */
int
secrets_parse_envfile(
    struct secrets_ctx *x, const char *data, size_t n, const char *label)
{
	const char *p = data, *end = data + n, *nl, *eq, *line;
	char name[256], source[512], digits[10];
	size_t len, nlen;
	unsigned lineno = 0;
	const char *v;

	/* a UTF-8 byte-order mark, as some editors write */
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < end; p = nl + 1) {
		lineno++;
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		line = p;
		while (line < nl && (*line == ' ' || *line == '\t'))
			line++;
		len = nl - line;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0 || *line == '#')
			continue;
		eq = memchr(line, '=', len);
		nlen = eq ? (size_t)(eq - line) : len;
		if (!secrets_valid_name(line, nlen) || nlen >= sizeof(name))
			return set_error(
			    x, "%s:%u: invalid variable name", label, lineno);
		memcpy(name, line, nlen);
		name[nlen] = '\0';
		put2(source, sizeof(source), label, strlen(label), ":", 1);
		put2(source + strlen(source), sizeof(source) - strlen(source),
		    "", 0, digits, decimal(digits, lineno));
		if (!eq) {
			if ((v = inherited(x, name, nlen)) &&
			    secrets_set(x, name, v, strlen(v), source) < 0)
				return -1;
			continue;
		}
		if (secrets_set(x, name, eq + 1, len - nlen - 1, source) < 0)
			return -1;
	}
	return 0;
}

static const char *
read_error(int e)
{
	if (e == EFBIG)
		return "larger than the environment can carry; mount the "
		       "secret as a file instead";
	if (e == EINVAL)
		return "not a regular file";
	return strerror(e);
}

/* name gets the content of the file at path, trailing newlines trimmed. */
static int
from_file(struct secrets_ctx *x, const char *name, const char *path)
{
	char *buf;
	size_t n;
	int r;

	if (watch(x, path) < 0)
		return -1;
	if (files_read(path, SECRETS_MAX_STRING, &buf, &n) < 0)
		return set_error(x, "cannot read secret %s from %s: %s", name,
		    path, read_error(errno));
	r = secrets_set(x, name, buf, secrets_trim(buf, n), path);
	explicit_bzero(buf, n);
	free(buf);
	return r;
}

/* An env-file: NAME=VALUE lines, Docker's syntax. */
int
secrets_env_file(struct secrets_ctx *x, const char *path)
{
	char *buf;
	size_t n;
	int r;

	if (watch(x, path) < 0)
		return -1;
	if (files_read(path, ENVFILE_MAX, &buf, &n) < 0)
		return set_error(x, "cannot read env-file %s: %s", path,
		    errno == EFBIG ? "larger than 4 MiB" : read_error(errno));
	r = secrets_parse_envfile(x, buf, n, path);
	explicit_bzero(buf, n);
	free(buf);
	return r;
}

static void
skip_name(const char *dir, const char *name)
{
	log_warn("skipping secret file %s/%s: '%s' is not a valid variable "
	         "name",
	    dir, name, name);
}

/* A key read from one version of a Kubernetes volume, not yet set. */
struct key {
	char *name;
	char *buf; /* NULL: skipped (invalid name, not a regular file) */
	size_t n;
	int valid;
	unsigned char type; /* d_type from the listing */
	uint64_t head[2]; /* the name's first 16 bytes, big-endian, 0-padded */
};

static void
free_keys(struct key *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (k[i].buf) {
			explicit_bzero(k[i].buf, k[i].n);
			free(k[i].buf);
		}
		free(k[i].name);
	}
	free(k);
}

/*
 * The first 16 bytes of a name as two numbers that compare as strcmp
 * compares the bytes (a NUL sorts first, and pads): the sort of ten
 * thousand names like SECRET_1234 then rarely looks at the strings.
 */
static void
set_head(struct key *k)
{
	const unsigned char *s = (const unsigned char *)k->name;
	int i;

	k->head[0] = k->head[1] = 0;
	for (i = 0; i < 16 && s[i]; i++)
		k->head[i / 8] |= (uint64_t)s[i] << (56 - 8 * (i % 8));
}

static int
by_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->head[0] != y->head[0])
		return x->head[0] < y->head[0] ? -1 : 1;
	if (x->head[1] != y->head[1])
		return x->head[1] < y->head[1] ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The names in the directory open at vfd, with their types, sorted;
 * no value read yet. Returns 0, or -1 with errno. */
static int
list_keys(int vfd, struct key **out, size_t *count)
{
	struct key *k = NULL, *nk;
	struct dirent *d;
	size_t n = 0, cap = 0;
	DIR *dp;
	int fd, e;

	if ((fd = dup(vfd)) < 0)
		return -1;
	if (!(dp = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' &&
		    (d->d_name[1] == '.' || d->d_name[1] == '\0'))
			continue;
		if (n == cap) {
			/* doubling: growing by one would copy O(n^2) */
			cap = cap ? 2 * cap : 64;
			if (!(nk = realloc(k, cap * sizeof(*k))))
				goto fail;
			k = nk;
		}
		k[n] = (struct key){ .name = strdup(d->d_name),
			.type = d->d_type };
		if (!k[n++].name)
			goto fail;
		set_head(&k[n - 1]);
	}
	closedir(dp);
	if (n)
		qsort(k, n, sizeof(*k), by_key);
	*out = k;
	*count = n;
	return 0;
fail:
	e = errno;
	closedir(dp);
	free_keys(k, n);
	errno = e;
	return -1;
}

/*
 * A plain secrets directory (Docker's /run/secrets), open at dfd: every
 * regular file, symlinks followed, is a variable named after it. Names
 * that are not variable names are skipped with a warning before anything
 * is looked up, so an editor's dangling ".#KEY" link is no error. The
 * listing's types spare a stat per file: a regular file is opened at
 * once (relative to dfd; files_read_fd checks its type again), a link or
 * an unknown type is looked up first, anything else is skipped unopened.
 */
static int
plain_dir(struct secrets_ctx *x, const char *dir, int dfd)
{
	char path[4096];
	struct key *k;
	struct stat st;
	size_t n, i;
	int r = 0, fd;

	files_reading_start(dir, NULL);
	if (list_keys(dfd, &k, &n) < 0) {
		files_reading_done();
		return set_error(x, "cannot read secrets directory %s: %s", dir,
		    strerror(errno));
	}
	files_reading_done();
	for (i = 0; i < n && r == 0; i++) {
		files_join(path, sizeof(path), dir, k[i].name);
		if (!secrets_valid_name(k[i].name, strlen(k[i].name))) {
			skip_name(dir, k[i].name);
			continue;
		}
		if (k[i].type == DT_LNK || k[i].type == DT_UNKNOWN) {
			if (fstatat(dfd, k[i].name, &st, 0) < 0) {
				r = set_error(x,
				    "cannot read secret %s from %s: %s",
				    k[i].name, path, strerror(errno));
				continue;
			}
			k[i].type = S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (k[i].type != DT_REG) {
			log_debug("skipping %s: not a regular file", path);
			continue;
		}
		/* its own inode too: a file bind-mounted alone and written
		 * in place is seen by no watch on the directory */
		if ((r = watch(x, path)) < 0)
			continue;
		files_reading_start(dir, k[i].name);
		/* O_NONBLOCK: a FIFO put in its place must not wait */
		fd = openat(dfd, k[i].name,
		    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0 ||
		    files_read_fd(fd, SECRETS_MAX_STRING, &k[i].buf, &k[i].n) <
		        0)
			r = set_error(x, "cannot read secret %s from %s: %s",
			    k[i].name, path, read_error(errno));
		else
			r = secrets_set(x, k[i].name, k[i].buf,
			    secrets_trim(k[i].buf, k[i].n), path);
		files_reading_done();
		if (k[i].buf) {
			explicit_bzero(k[i].buf, k[i].n);
			free(k[i].buf);
			k[i].buf = NULL;
		}
	}
	free_keys(k, n);
	return r;
}

/*
 * Reads every key with a valid name through vfd with openat (never
 * through the top-level links, which may already point to the next
 * version); a link or anything but a regular file is skipped. Returns 0,
 * or -1 with errno and *what the key that failed.
 */
static int
read_keys(const char *dir, int vfd, struct key *k, size_t n, const char **what)
{
	size_t i;
	int fd;

	for (i = 0; i < n; i++) {
		if (!(k[i].valid =
		            secrets_valid_name(k[i].name, strlen(k[i].name))))
			continue;
		files_reading_start(dir, k[i].name);
		fd = openat(vfd, k[i].name,
		    O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
		if (fd < 0 && errno == ELOOP) {
			files_reading_done();
			continue; /* a link: not a key the kubelet wrote */
		}
		if (fd < 0 ||
		    files_read_fd(fd, SECRETS_MAX_STRING, &k[i].buf, &k[i].n) <
		        0) {
			files_reading_done();
			if (errno == EISDIR || errno == EINVAL)
				continue; /* not a regular file: skipped */
			*what = k[i].name;
			return -1;
		}
		files_reading_done();
	}
	return 0;
}

/*
 * Every key of the version directory open at vfd. Returns 0, or -1 with
 * errno and *what the key that failed (NULL: the listing).
 */
static int
read_version(const char *dir, int vfd, struct key **out, size_t *count,
    const char **what)
{
	/* the name outlives the list, for the message */
	static char name[256];
	struct key *k;
	size_t n;
	int e;

	*what = NULL;
	if (list_keys(vfd, &k, &n) < 0)
		return -1;
	if (read_keys(dir, vfd, k, n, what) < 0) {
		e = errno;
		snprintf(name, sizeof(name), "%s", *what);
		*what = name;
		free_keys(k, n);
		errno = e;
		return -1;
	}
	*out = k;
	*count = n;
	return 0;
}

/*
 * A Kubernetes secret volume: KEY -> ..data/KEY, ..data -> ..TIMESTAMP,
 * and the kubelet swaps a new version in by renaming a new ..data link
 * over the old one, then deletes the old directory. All keys are read
 * from the one directory ..data resolved to; if ..data changed meanwhile
 * (or a key vanished with its directory) what was read is discarded and
 * the volume read again, up to KUBE_TRIES times.
 */
static int
kube_dir(struct secrets_ctx *x, const char *dir, int dfd)
{
	char target[4096], again[4096], path[4300];
	struct key *k = NULL;
	const char *what;
	ssize_t t, t2;
	size_t n = 0, i;
	int tries, vfd, r, e;

	for (tries = 0; tries < KUBE_TRIES; tries++) {
		files_reading_start(dir, "..data");
		t = readlinkat(dfd, "..data", target, sizeof(target) - 1);
		if (t < 0) {
			files_reading_done();
			return set_error(x,
			    "cannot read secrets directory %s: %s", dir,
			    strerror(errno));
		}
		target[t] = '\0';
		vfd = openat(dfd, target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		files_reading_done();
		what = NULL;
		r = vfd < 0 ? -1 : read_version(dir, vfd, &k, &n, &what);
		e = errno;
		if (vfd >= 0)
			close(vfd);
		t2 = readlinkat(dfd, "..data", again, sizeof(again) - 1);
		if (t2 == t && memcmp(target, again, t) == 0) {
			if (r < 0 && what)
				return set_error(x,
				    "cannot read secret %s from %s/%s: %s",
				    what, dir, what, read_error(e));
			if (r < 0)
				return set_error(x,
				    "cannot read secrets directory %s: %s", dir,
				    strerror(e));
			break;
		}
		if (r == 0)
			free_keys(k, n);
		log_debug("%s changed while being read; reading it again", dir);
	}
	if (tries == KUBE_TRIES)
		return set_error(x,
		    "cannot read secrets directory %s: it changed %d times "
		    "while being read",
		    dir, KUBE_TRIES);
	for (i = 0, r = 0; i < n && r == 0; i++) {
		files_join(path, sizeof(path), dir, k[i].name);
		if (!k[i].valid)
			skip_name(dir, k[i].name);
		else if (!k[i].buf)
			log_debug("skipping %s: not a regular file", path);
		else
			r = secrets_set(x, k[i].name, k[i].buf,
			    secrets_trim(k[i].buf, k[i].n), path);
	}
	free_keys(k, n);
	return r;
}

/*
 * Names starting with ".." (Kubernetes' ..data and its timestamped
 * directories) are never variables; a directory with a ..data link is a
 * Kubernetes volume, read as one version.
 */
int
secrets_dir(struct secrets_ctx *x, const char *dir)
{
	struct stat st;
	int dfd, r;

	if (watch(x, dir) < 0)
		return -1;
	files_reading_start(dir, NULL);
	dfd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	files_reading_done();
	if (dfd < 0)
		return set_error(x, "cannot read secrets directory %s: %s", dir,
		    strerror(errno));
	if (fstatat(dfd, "..data", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		r = kube_dir(x, dir, dfd);
	else
		r = plain_dir(x, dir, dfd);
	close(dfd);
	return r;
}

/* One NAME_FILE or FILE__NAME variable of bosun's own environment. */
struct file_var {
	const char *var; /* NAME_FILE=/path, from bosun's environment */
	size_t vlen;
	const char *name; /* within var */
	size_t nlen;
	const char *path; /* within var too: configuration, never a value */
};

static int
matches(char *const *patterns, size_t np, const char *name, size_t n)
{
	char buf[256];
	size_t i;

	if (!secrets_valid_name(name, n) || n >= sizeof(buf))
		return 0;
	memcpy(buf, name, n);
	buf[n] = '\0';
	for (i = 0; i < np; i++)
		if (parse_glob(patterns[i], buf))
			return 1;
	return 0;
}

/*
 * --file-env: for each NAME listed (or matched by a pattern), NAME_FILE
 * or FILE__NAME=/path in bosun's OWN environment sets NAME to the file's
 * content and is removed. Only bosun's own environment counts, and every
 * path is taken from it before anything is read, so that a value read
 * here (or set by an env-file) can never be taken for a path. NAME also
 * set in bosun's environment, or both forms, is an error; a NAME from an
 * env-file or a secrets directory is overridden (order of precedence).
 */
int
secrets_file_env(struct secrets_ctx *x, char *const *patterns, size_t np)
{
	const struct envlist *e = x->env;
	struct file_var *todo, *f;
	char name[256], **vars;
	const char *s, *eq;
	size_t i, k = 0, len;
	int r = 0;

	if (!(todo = calloc(e->norig + 1, sizeof(*todo))))
		return set_error(x, "out of memory");
	for (i = 0; i < e->norig; i++) {
		s = e->orig[i];
		eq = strchr(s, '=');
		len = eq - s;
		f = &todo[k];
		*f = (struct file_var){ s, len, NULL, 0, eq + 1 };
		if (len > 5 && memcmp(eq - 5, "_FILE", 5) == 0 &&
		    matches(patterns, np, s, len - 5)) {
			f->name = s;
			f->nlen = len - 5;
			put2(name, sizeof(name), "FILE__", 6, s, f->nlen);
			if (inherited(x, name, strlen(name)))
				r = set_error(x, "both %.*s and %s are set",
				    (int)len, s, name);
		} else if (len > 6 && memcmp(s, "FILE__", 6) == 0 &&
		    matches(patterns, np, s + 6, len - 6)) {
			f->name = s + 6;
			f->nlen = len - 6;
		} else {
			continue;
		}
		if (r == 0 && inherited(x, f->name, f->nlen))
			r = set_error(x, "both %.*s and %.*s are set",
			    (int)f->nlen, f->name, (int)len, s);
		k++;
		if (r < 0)
			break;
	}
	for (i = 0; i < k && r == 0; i++) {
		put2(name, sizeof(name), todo[i].name, todo[i].nlen, "", 0);
		r = from_file(x, name, todo[i].path);
	}
	vars = calloc(k + 1, sizeof(*vars));
	for (i = 0; r == 0 && i < k; i++)
		if (!vars || !(vars[i] = strndup(todo[i].var, todo[i].vlen)))
			r = set_error(x, "out of memory");
	if (r == 0)
		envlist_unset_all(x->env, vars, k);
	for (i = 0; vars && i < k; i++)
		free(vars[i]);
	free(vars);
	free(todo);
	return r;
}

/* NAME=/path or NAME=env:VAR (VAR leaves the command's environment). */
int
secrets_spec(struct secrets_ctx *x, const char *spec)
{
	const char *eq = strchr(spec, '='), *src, *v;
	char name[256], source[300];
	size_t n = eq - spec;

	if (!secrets_valid_name(spec, n) || n >= sizeof(name))
		return set_error(x, "--secret %.*s: invalid variable name",
		    (int)(n < 64 ? n : 64), spec);
	memcpy(name, spec, n);
	name[n] = '\0';
	src = eq + 1;
	if (strncmp(src, "env:", 4) != 0)
		return from_file(x, name, src);
	src += 4;
	if (!secrets_valid_name(src, strlen(src)))
		return set_error(
		    x, "--secret %s: invalid variable name '%s'", name, src);
	if (!(v = inherited(x, src, strlen(src))))
		return set_error(
		    x, "secret %s: variable %s is not set", name, src);
	put2(source, sizeof(source), "env:", 4, src, strlen(src));
	if (secrets_set(x, name, v, strlen(v), source) < 0)
		return -1;
	/* O(1): the hole is closed once, before exec (envlist_envp) */
	if (strcmp(name, src) != 0)
		envlist_remove(x->env, src);
	return 0;
}
