// SPDX-License-Identifier: MIT
/*
 * envlist: the command's environment, built as a separate array and handed
 * to execve, so nothing bosun adds (later: secrets) ever enters bosun's own
 * environment. Starts as a copy of bosun's environment minus every
 * BOSUN_* variable, one entry per name: of two entries with one name (which
 * execve allows) the first is kept, as getenv sees it, and the name is
 * recorded for a warning. Strings set here are owned, and zeroed when freed.
 *
 * Lookups go through an index: open addressing with linear probing on the
 * name's FNV-1a hash, never more than half full, so that merging n
 * variables costs O(n), not O(n^2). v stays a NULL-terminated array usable
 * as envp at every moment; unsetting compacts it in order and rebuilds the
 * index once, however many names go. envlist_remove is the O(1) way out
 * for names removed one at a time (env:VAR): the entry leaves the index at
 * once and becomes a hole in v, and envlist_envp closes every hole in one
 * pass before the array is used as envp.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envlist.h"

/* The length of the name of entry s, or -1 when it has no '='. */
static long
name_len(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq ? eq - s : -1;
}

static size_t
hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* The index in v of the entry named by the n bytes at name, or -1. */
static long
index_find(
    const struct envlist_index *x, char *const *v, const char *name, size_t n)
{
	size_t h, i;

	if (!x->slot)
		return -1;
	for (h = hash(name, n) & x->mask; x->slot[h]; h = (h + 1) & x->mask) {
		i = x->slot[h] - 1;
		if (strncmp(v[i], name, n) == 0 && v[i][n] == '=')
			return (long)i;
	}
	return -1;
}

/* Records entry i, whose name is the n bytes at s; a free slot exists. */
static void
insert(struct envlist_index *x, const char *s, size_t n, size_t i)
{
	size_t h;

	for (h = hash(s, n) & x->mask; x->slot[h]; h = (h + 1) & x->mask)
		;
	x->slot[h] = i + 1;
}

/* Indexes the n entries of v again, in the slots there are. */
static void
reindex(struct envlist_index *x, char *const *v, size_t n)
{
	size_t i;
	long len;

	memset(x->slot, 0, (x->mask + 1) * sizeof(*x->slot));
	for (i = 0; i < n; i++)
		if ((len = name_len(v[i])) >= 0)
			insert(x, v[i], len, i);
}

/* A new index of the n entries of v, with room for want entries. */
static int
rebuild(struct envlist_index *x, char *const *v, size_t n, size_t want)
{
	size_t size = 16, *slot;

	while (size < 2 * want) {
		if (size > SIZE_MAX / 2 / sizeof(*slot)) {
			errno = ENOMEM;
			return -1;
		}
		size *= 2;
	}
	if (!(slot = calloc(size, sizeof(*slot))))
		return -1;
	free(x->slot);
	x->slot = slot;
	x->mask = size - 1;
	reindex(x, v, n);
	return 0;
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

static int
add_dup(struct envlist *e, const char *name, size_t n)
{
	char **d = realloc(e->dups, (e->ndups + 1) * sizeof(*d));

	if (!d)
		return -1;
	e->dups = d;
	if (!(d[e->ndups] = strndup(name, n)))
		return -1;
	e->ndups++;
	return 0;
}

int
envlist_init(struct envlist *e, char *const *envp)
{
	unsigned char *seen = NULL;
	size_t n = 0, i;
	long len, j;
	char *s;

	memset(e, 0, sizeof(*e));
	while (envp && envp[n])
		n++;
	/* room for all, and for a few set later, in one allocation each */
	e->cap = n + 8;
	e->v = malloc(e->cap * sizeof(*e->v));
	e->owned = malloc(e->cap);
	e->orig = malloc((n + 1) * sizeof(*e->orig));
	seen = calloc(n + 1, 1);
	if (!e->v || !e->owned || !e->orig || !seen ||
	    rebuild(&e->idx, NULL, 0, e->cap) < 0 ||
	    rebuild(&e->oidx, NULL, 0, n + 1) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		s = envp[i];
		if (strncmp(s, "BOSUN_", 6) == 0)
			continue;
		if ((len = name_len(s)) < 0) {
			/* not a variable: passed on as it is */
			e->owned[e->n] = 0;
			e->v[e->n++] = s;
			continue;
		}
		if ((j = index_find(&e->idx, e->v, s, len)) >= 0) {
			if (!seen[j] && add_dup(e, s, len) < 0)
				goto fail;
			seen[j] = 1;
			continue;
		}
		insert(&e->idx, s, len, e->n);
		e->owned[e->n] = 0;
		e->v[e->n++] = s;
		insert(&e->oidx, s, len, e->norig);
		e->orig[e->norig++] = s;
	}
	e->v[e->n] = NULL;
	e->orig[e->norig] = NULL;
	free(seen);
	return 0;
fail:
	free(seen);
	envlist_free(e);
	errno = ENOMEM;
	return -1;
}

const char *
envlist_get(const struct envlist *e, const char *name)
{
	size_t n = strlen(name);
	long i = index_find(&e->idx, e->v, name, n);

	return i < 0 ? NULL : e->v[i] + n + 1;
}

/* The value NAME (its n bytes at name) had in the environment given. */
const char *
envlist_inherited(const struct envlist *e, const char *name, size_t n)
{
	long i = index_find(&e->oidx, e->orig, name, n);

	return i < 0 ? NULL : e->orig[i] + n + 1;
}

static void
drop(struct envlist *e, size_t i)
{
	if (e->owned[i] & 1) {
		explicit_bzero(e->v[i], strlen(e->v[i]));
		free(e->v[i]);
	}
}

int
envlist_set(struct envlist *e, const char *name, const char *value)
{
	return envlist_set_n(e, name, value, strlen(value));
}

/* Sets name to the m bytes at value (no NUL among them). */
int
envlist_set_n(struct envlist *e, const char *name, const char *value, size_t m)
{
	size_t n = strlen(name);
	char *s;
	long i;

	if (!(s = malloc(n + m + 2)))
		return -1;
	memcpy(s, name, n);
	s[n] = '=';
	memcpy(s + n + 1, value, m);
	s[n + 1 + m] = '\0';
	if ((i = index_find(&e->idx, e->v, name, n)) >= 0) {
		drop(e, i);
	} else {
		if (grow(e) < 0 ||
		    ((e->n + 1) * 2 > e->idx.mask + 1 &&
		        rebuild(&e->idx, e->v, e->n, 2 * (e->n + 1)) < 0)) {
			explicit_bzero(s, n + m + 1);
			free(s);
			return -1;
		}
		i = (long)e->n++;
		e->v[e->n] = NULL;
		insert(&e->idx, s, n, i);
	}
	e->v[i] = s;
	e->owned[i] = 1;
	return 0;
}

/* The slot holding entry i of v (whose name is the n bytes at name). */
static size_t
slot_of(const struct envlist_index *x, const char *name, size_t n, size_t i)
{
	size_t h;

	for (h = hash(name, n) & x->mask; x->slot[h] != i + 1;
	     h = (h + 1) & x->mask)
		;
	return h;
}

/*
 * Empties slot h of x, moving back the entries of its probe run that
 * could not be found across the gap (deletion in linear probing, without
 * markers left behind).
 */
static void
index_delete(struct envlist_index *x, char *const *v, size_t h)
{
	size_t j = h, home;
	long len;

	x->slot[h] = 0;
	for (;;) {
		j = (j + 1) & x->mask;
		if (!x->slot[j])
			return;
		len = name_len(v[x->slot[j] - 1]);
		home = hash(v[x->slot[j] - 1], (size_t)len) & x->mask;
		/* movable unless home lies cyclically in (h, j] */
		if (h <= j ? (h < home && home <= j) : (h < home || home <= j))
			continue;
		x->slot[h] = x->slot[j];
		x->slot[j] = 0;
		h = j;
	}
}

/* What a removed entry points at until envlist_envp drops it. */
static char hole[] = "";

/*
 * Removes NAME in O(1): gone from lookups at once, its string zeroed and
 * freed if owned; its place in v is a hole until envlist_envp.
 */
void
envlist_remove(struct envlist *e, const char *name)
{
	size_t n = strlen(name);
	long i = index_find(&e->idx, e->v, name, n);

	if (i < 0)
		return;
	index_delete(&e->idx, e->v, slot_of(&e->idx, name, n, (size_t)i));
	drop(e, (size_t)i);
	e->v[i] = hole;
	e->owned[i] = 2;
	e->holes++;
}

/*
 * Takes out every entry marked removed (owned bit 2), in order, in one
 * pass and one reindex: a marked string it owned is zeroed and freed; a
 * hole (envlist_remove's) owns nothing, its string has moved on.
 */
static void
compact(struct envlist *e)
{
	size_t i, j;

	for (i = j = 0; i < e->n; i++) {
		if (e->owned[i] & 2) {
			drop(e, i);
			continue;
		}
		e->v[j] = e->v[i];
		e->owned[j++] = e->owned[i];
	}
	e->n = j;
	e->v[j] = NULL;
	e->holes = 0;
	reindex(&e->idx, e->v, e->n);
}

/* Closes the holes envlist_remove left and returns the array, ready to
 * be execve's envp. */
char **
envlist_envp(struct envlist *e)
{
	if (e->holes)
		compact(e);
	return e->v;
}

/* Removes every entry named in names[0..k), in one pass over the array. */
void
envlist_unset_all(struct envlist *e, char *const *names, size_t k)
{
	size_t i, hit = 0;
	long at;

	/* mark first: a freed string must not be compared with later */
	for (i = 0; i < k; i++)
		if ((at = index_find(
		         &e->idx, e->v, names[i], strlen(names[i]))) >= 0 &&
		    !(e->owned[at] & 2)) {
			e->owned[at] |= 2;
			hit++;
		}
	if (hit)
		compact(e);
}

void
envlist_unset(struct envlist *e, const char *name)
{
	char *names[] = { (char *)name };

	envlist_unset_all(e, names, 1);
}

void
envlist_free(struct envlist *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		drop(e, i);
	for (i = 0; i < e->ndups; i++)
		free(e->dups[i]);
	free(e->dups);
	free(e->v);
	free(e->owned);
	free(e->idx.slot);
	free(e->orig);
	free(e->oidx.slot);
	memset(e, 0, sizeof(*e));
}
