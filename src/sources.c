// SPDX-License-Identifier: MIT
/*
 * sources: the command's environment is bosun's own (envlist.c) with the
 * configured sources merged in, in the order of the table below: lowest
 * precedence first, so a later source overrides an earlier one. Files are
 * read by secrets.c, programs run by hooks.c; this file only knows the
 * order, and that reading the files has --hook-timeout as its deadline
 * (startup.c) while each hook has its own.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sources.h"
#include "startup.h"

/* One row: a list of the configuration and how one item of it loads. */
struct source {
	size_t list; /* offsetof(struct sources, ...) */
	int (*read)(struct secrets_ctx *x, const char *item);
	int (*read_all)(struct secrets_ctx *x, char *const *v, size_t n);
	int (*run)(
	    struct secrets_ctx *x, const char *item, const struct hook_ctl *h);
};

#define LIST(f) offsetof(struct sources, f)

static const struct source order[] = {
	{ LIST(env_files), secrets_env_file, NULL, NULL },
	{ LIST(secrets_dirs), secrets_dir, NULL, NULL },
	{ LIST(file_env), NULL, secrets_file_env, NULL },
	{ LIST(secrets), secrets_spec, NULL, NULL },
	/* hooks last: they see, and may override, all of the above */
	{ LIST(hooks_dir), NULL, NULL, hooks_run_dir },
	{ LIST(hooks), NULL, NULL, hooks_run },
};

#define NSOURCES (sizeof(order) / sizeof(order[0]))

static const struct strlist *
list_of(const struct sources *s, const struct source *row)
{
	return (const struct strlist *)((const char *)s + row->list);
}

/* Whether any source is configured. */
int
sources_wanted(const struct sources *s)
{
	size_t i;

	for (i = 0; i < NSOURCES; i++)
		if (list_of(s, &order[i])->n)
			return 1;
	return 0;
}

/* Every source in order, the first failure stopping. */
static int
load(struct secrets_ctx *x, const struct sources *s, const struct hook_ctl *h)
{
	const struct source *row;
	const struct strlist *l;
	size_t i, k;
	int r = 0;

	for (i = 0; i < NSOURCES && r == 0; i++) {
		row = &order[i];
		l = list_of(s, row);
		if (row->run)
			startup_deadline(0);
		if (row->read_all && l->n)
			r = row->read_all(x, l->v, l->n);
		for (k = 0; !row->read_all && k < l->n && r == 0; k++)
			r = row->read ? row->read(x, l->v[k])
			              : row->run(x, l->v[k], h);
	}
	return r;
}

/*
 * Every source, in order; the first failure stops (message in x->err).
 * The files are read under the start-up deadline, disarmed before the
 * first hook. A stop signal while a hook runs is the caller's to check
 * (startup_stopped), whatever this returns.
 */
int
sources_load(
    struct secrets_ctx *x, const struct sources *s, const struct hook_ctl *h)
{
	int r;

	startup_deadline(s->hook_timeout);
	r = load(x, s, h);
	startup_deadline(0);
	return r;
}

/* A name, as the n bytes at s: what an env:VAR reference names. */
struct name {
	const char *s;
	size_t n;
};

static int
by_name(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* The same, one reference at a time: O(names x entries), no memory. */
static void
scrub_each(const struct sources *s, char **environ)
{
	const char *src;
	size_t i, n;
	char **e;

	for (i = 0; i < s->secrets.n; i++) {
		src = strchr(s->secrets.v[i], '=') + 1;
		if (strncmp(src, "env:", 4) != 0)
			continue;
		src += 4;
		n = strlen(src);
		for (e = environ; *e; e++)
			if (strncmp(*e, src, n) == 0 && (*e)[n] == '=')
				explicit_bzero(*e + n + 1, strlen(*e + n + 1));
	}
}

/*
 * Once the command has started: zero, in bosun's own environment, the
 * values that env:VAR references took, so that they are gone from
 * /proc/PID/environ too (it shows that memory, not getenv's view). Every
 * entry of a name, duplicates too. The names are sorted once and each
 * entry looked up: O((names + entries) log names), not their product.
 */
void
sources_scrub(const struct sources *s, char **environ)
{
	struct name *v, key;
	const char *src;
	size_t i, n = 0;
	char **e, *eq;

	if (!(v = malloc((s->secrets.n + 1) * sizeof(*v)))) {
		scrub_each(s, environ); /* without memory: the slow way */
		return;
	}
	for (i = 0; i < s->secrets.n; i++) {
		src = strchr(s->secrets.v[i], '=') + 1;
		if (strncmp(src, "env:", 4) == 0)
			v[n++] = (struct name){ src + 4, strlen(src + 4) };
	}
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	for (e = environ; n && *e; e++) {
		if (!(eq = strchr(*e, '=')))
			continue;
		key = (struct name){ *e, (size_t)(eq - *e) };
		if (bsearch(&key, v, n, sizeof(*v), by_name))
			explicit_bzero(eq + 1, strlen(eq + 1));
	}
	free(v);
}
