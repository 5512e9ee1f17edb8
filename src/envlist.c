// SPDX-License-Identifier: MIT
/*
 * envlist: the command's environment, built as a separate array and handed
 * to execve, so nothing bosun adds (later: secrets) ever enters bosun's own
 * environment. Starts as a copy of bosun's environment minus every
 * BOSUN_* variable. Strings set here are owned, and zeroed when freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "envlist.h"

/* The index of NAME=..., or -1; stops at the first differing byte. */
static long
find(const struct envlist *e, const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; i < e->n; i++)
		if (e->v[i][0] == name[0] && strncmp(e->v[i], name, n) == 0 &&
		    e->v[i][n] == '=')
			return (long)i;
	return -1;
}

static int
grow(struct envlist *e)
{
	size_t cap = e->cap ? e->cap * 2 : 16;
	char **v;
	unsigned char *o;

	if (e->n + 1 < e->cap)
		return 0;
	if (!(v = realloc(e->v, cap * sizeof(*v))))
		return -1;
	e->v = v;
	if (!(o = realloc(e->owned, cap)))
		return -1;
	e->owned = o;
	e->cap = cap;
	return 0;
}

int
envlist_init(struct envlist *e, char *const *envp)
{
	size_t n = 0;

	memset(e, 0, sizeof(*e));
	while (envp && envp[n])
		n++;
	/* room for all, and for a few set later, in one allocation each */
	e->cap = n + 8;
	e->v = malloc(e->cap * sizeof(*e->v));
	e->owned = malloc(e->cap);
	if (!e->v || !e->owned) {
		envlist_free(e);
		return -1;
	}
	for (; envp && *envp; envp++) {
		if (strncmp(*envp, "BOSUN_", 6) == 0)
			continue;
		e->owned[e->n] = 0;
		e->v[e->n++] = *envp;
	}
	e->v[e->n] = NULL;
	return 0;
}

const char *
envlist_get(const struct envlist *e, const char *name)
{
	long i = find(e, name);

	return i < 0 ? NULL : e->v[i] + strlen(name) + 1;
}

static void
drop(struct envlist *e, size_t i)
{
	if (e->owned[i]) {
		explicit_bzero(e->v[i], strlen(e->v[i]));
		free(e->v[i]);
	}
}

int
envlist_set(struct envlist *e, const char *name, const char *value)
{
	size_t n = strlen(name), m = strlen(value);
	char *s;
	long i;

	if (!(s = malloc(n + m + 2)))
		return -1;
	memcpy(s, name, n);
	s[n] = '=';
	memcpy(s + n + 1, value, m + 1);
	if ((i = find(e, name)) >= 0) {
		drop(e, i);
	} else {
		if (grow(e) < 0) {
			explicit_bzero(s, n + m + 1);
			free(s);
			return -1;
		}
		i = (long)e->n++;
		e->v[e->n] = NULL;
	}
	e->v[i] = s;
	e->owned[i] = 1;
	return 0;
}

void
envlist_unset(struct envlist *e, const char *name)
{
	long i = find(e, name);

	if (i < 0)
		return;
	drop(e, i);
	memmove(&e->v[i], &e->v[i + 1], (e->n - i) * sizeof(*e->v));
	memmove(&e->owned[i], &e->owned[i + 1], e->n - i - 1);
	e->n--;
}

void
envlist_free(struct envlist *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		drop(e, i);
	free(e->v);
	free(e->owned);
	memset(e, 0, sizeof(*e));
}
