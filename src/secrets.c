// SPDX-License-Identifier: MIT
/*
 * secrets: assembles the command's environment from env-files, secret
 * files and directories, VAR_FILE variables and env:VAR references, in
 * that order of precedence (hooks, in hooks.c, come last and win).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "secrets.h"

/* env-files and hook output are read whole, up to this size */
#define ENVFILE_MAX (4 << 20)

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

static int fail(struct secrets_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct secrets_ctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Sets name to the n bytes at v, after checking what exec can carry. */
int
secrets_set(struct secrets_ctx *x, const char *name, const char *v, size_t n,
    const char *source)
{
	char *copy;
	int r;

	if (memchr(v, '\0', n))
		return fail(x,
		    "%s from %s contains a NUL byte, which an "
		    "environment cannot carry",
		    name, source);
	if (strlen(name) + 1 + n + 1 > SECRETS_MAX_STRING)
		return fail(x,
		    "%s from %s is too large for the environment "
		    "(%zu bytes; at most %d for NAME=VALUE): mount the secret "
		    "as a file instead",
		    name, source, n, SECRETS_MAX_STRING - 2);
	if (!(copy = malloc(n + 1)))
		return fail(x, "out of memory");
	memcpy(copy, v, n);
	copy[n] = '\0';
	r = envlist_set(x->env, name, copy);
	explicit_bzero(copy, n);
	free(copy);
	if (r < 0)
		return fail(x, "out of memory");
	log_info("%s from %s", name, source);
	return 0;
}

static const char *
inherited(const struct secrets_ctx *x, const char *name, size_t n)
{
	char *const *e;

	for (e = x->inherited; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
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
	char name[256], source[512];
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
			return fail(
			    x, "%s:%u: invalid variable name", label, lineno);
		memcpy(name, line, nlen);
		name[nlen] = '\0';
		snprintf(source, sizeof(source), "%s:%u", label, lineno);
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

/*
 * Reads a regular file (symlinks followed) of at most max bytes into a
 * new buffer. Returns 0, or -1 with errno (EFBIG when larger than max).
 */
int
secrets_read(const char *path, size_t max, char **out, size_t *n)
{
	struct stat st;
	size_t len = 0, cap = 4096;
	char *buf, *nb;
	ssize_t r;
	int fd, e;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	fcntl(fd, F_SETFL, 0);
	if (!(buf = malloc(cap)))
		goto fail;
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			/* grow by copying, so no stale copy is left behind */
			if (!(nb = malloc(cap * 2)))
				goto fail;
			memcpy(nb, buf, len);
			explicit_bzero(buf, len);
			free(buf);
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += r;
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

	if (secrets_read(path, SECRETS_MAX_STRING, &buf, &n) < 0)
		return fail(x, "cannot read secret %s from %s: %s", name, path,
		    read_error(errno));
	r = secrets_set(x, name, buf, secrets_trim(buf, n), path);
	explicit_bzero(buf, n);
	free(buf);
	return r;
}

static int
env_file(struct secrets_ctx *x, const char *path)
{
	char *buf;
	size_t n;
	int r;

	if (secrets_read(path, ENVFILE_MAX, &buf, &n) < 0)
		return fail(x, "cannot read env-file %s: %s", path,
		    errno == EFBIG ? "larger than 4 MiB" : read_error(errno));
	r = secrets_parse_envfile(x, buf, n, path);
	explicit_bzero(buf, n);
	free(buf);
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
 * errno; free the list with secrets_free_list.
 */
int
secrets_list_dir(const char *dir, int hidden, char ***out, size_t *count)
{
	char **names = NULL, **nn;
	struct dirent *d;
	size_t n = 0;
	DIR *dp;
	int e;

	if (!(dp = opendir(dir)))
		return -1;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' &&
		    (hidden || d->d_name[1] == '.' || d->d_name[1] == '\0'))
			continue;
		if (!(nn = realloc(names, (n + 1) * sizeof(*names))) ||
		    !(nn[n] = strdup(d->d_name))) {
			e = errno;
			closedir(dp);
			secrets_free_list(nn ? nn : names, n);
			errno = e;
			return -1;
		}
		names = nn;
		n++;
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	*out = names;
	*count = n;
	return 0;
}

void
secrets_free_list(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

/*
 * Every regular file in dir, symlinks followed, is a variable named after
 * it. Names starting with ".." (Kubernetes' ..data and its timestamped
 * directories) are skipped; other names that are not variable names are
 * skipped with a warning.
 */
static int
secrets_dir(struct secrets_ctx *x, const char *dir)
{
	char **names, path[4096];
	size_t n, i;
	struct stat st;
	int r = 0;

	if (secrets_list_dir(dir, 0, &names, &n) < 0)
		return fail(x, "cannot read secrets directory %s: %s", dir,
		    strerror(errno));
	for (i = 0; i < n && r == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) < 0) {
			r = fail(x, "cannot read secret %s: %s", path,
			    strerror(errno));
		} else if (!S_ISREG(st.st_mode)) {
			log_debug("skipping %s: not a regular file", path);
		} else if (!secrets_valid_name(names[i], strlen(names[i]))) {
			log_warn("skipping secret file %s: '%s' is not a valid "
			         "variable name",
			    path, names[i]);
		} else {
			r = from_file(x, names[i], path);
		}
	}
	secrets_free_list(names, n);
	return r;
}

/*
 * The docker-library convention: VAR_FILE=/path sets VAR to the file's
 * content and is removed. VAR also set in bosun's own environment is an
 * error; a VAR from an env-file or a secrets directory is overridden
 * (that is the order of precedence). Only the
 * VAR_FILE variables present before this step count, so that a value read
 * here can never be taken for a path.
 */
static int
file_env(struct secrets_ctx *x)
{
	struct strlist todo = { 0 };
	char name[256], path[4096];
	const char *entry, *eq;
	size_t i, n;
	int r = 0;

	if (!(todo.v = calloc(x->env->n + 1, sizeof(*todo.v))))
		return fail(x, "out of memory");
	for (i = 0; i < x->env->n; i++) {
		entry = x->env->v[i];
		eq = strchr(entry, '=');
		if (eq && (n = eq - entry) > 5 &&
		    memcmp(eq - 5, "_FILE", 5) == 0 &&
		    secrets_valid_name(entry, n - 5) && n < sizeof(name))
			todo.v[todo.n++] = strndup(entry, n - 5);
	}
	for (i = 0; i < todo.n && r == 0; i++) {
		if (!todo.v[i]) {
			r = fail(x, "out of memory");
			break;
		}
		snprintf(name, sizeof(name), "%s_FILE", todo.v[i]);
		snprintf(path, sizeof(path), "%s", envlist_get(x->env, name));
		if (inherited(x, todo.v[i], strlen(todo.v[i])))
			r = fail(x, "both %s and %s are set", todo.v[i], name);
		else if ((r = from_file(x, todo.v[i], path)) == 0)
			envlist_unset(x->env, name);
	}
	for (i = 0; i < todo.n; i++)
		free(todo.v[i]);
	free(todo.v);
	return r;
}

/* NAME=/path or NAME=env:VAR (VAR leaves the command's environment). */
static int
secret_spec(struct secrets_ctx *x, const char *spec)
{
	const char *eq = strchr(spec, '='), *src, *v;
	char name[256], source[300];
	size_t n = eq - spec;

	if (!secrets_valid_name(spec, n) || n >= sizeof(name))
		return fail(x, "--secret %.*s: invalid variable name",
		    (int)(n < 64 ? n : 64), spec);
	memcpy(name, spec, n);
	name[n] = '\0';
	src = eq + 1;
	if (strncmp(src, "env:", 4) != 0)
		return from_file(x, name, src);
	src += 4;
	if (!secrets_valid_name(src, strlen(src)))
		return fail(
		    x, "--secret %s: invalid variable name '%s'", name, src);
	if (!(v = inherited(x, src, strlen(src))))
		return fail(x, "secret %s: variable %s is not set", name, src);
	snprintf(source, sizeof(source), "env:%s", src);
	if (secrets_set(x, name, v, strlen(v), source) < 0)
		return -1;
	if (strcmp(name, src) != 0)
		envlist_unset(x->env, src);
	return 0;
}

/* Whether any source of secrets is configured. */
int
secrets_wanted(const struct config *c)
{
	return c->secrets.n || c->secrets_dirs.n || c->file_env ||
	    c->env_files.n || c->hooks.n || c->hooks_dir;
}

/* Every source but hooks, lowest precedence first. */
int
secrets_load(struct secrets_ctx *x, const struct config *c)
{
	size_t i;

	for (i = 0; i < c->env_files.n; i++)
		if (env_file(x, c->env_files.v[i]) < 0)
			return -1;
	for (i = 0; i < c->secrets_dirs.n; i++)
		if (secrets_dir(x, c->secrets_dirs.v[i]) < 0)
			return -1;
	if (c->file_env && file_env(x) < 0)
		return -1;
	for (i = 0; i < c->secrets.n; i++)
		if (secret_spec(x, c->secrets.v[i]) < 0)
			return -1;
	return 0;
}

/*
 * Once the command has started: zero, in bosun's own environment, the
 * values that env:VAR references took, so that they are gone from
 * /proc/PID/environ too (it shows that memory, not getenv's view).
 */
void
secrets_scrub(const struct config *c, char **environ)
{
	const char *src;
	size_t i, n;
	char **e;

	for (i = 0; i < c->secrets.n; i++) {
		src = strchr(c->secrets.v[i], '=') + 1;
		if (strncmp(src, "env:", 4) != 0)
			continue;
		src += 4;
		n = strlen(src);
		for (e = environ; *e; e++)
			if (strncmp(*e, src, n) == 0 && (*e)[n] == '=')
				explicit_bzero(*e + n + 1, strlen(*e + n + 1));
	}
}
