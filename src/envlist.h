/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_ENVLIST_H
#define BOSUN_ENVLIST_H

#include <stddef.h>

/*
 * An environment as data: a NULL-terminated array of "NAME=VALUE", one
 * entry per name, with a hash index on the name so that a lookup, a set
 * and so a merge of n variables cost O(1) each. It also remembers the
 * environment it started from (the first entry of each name, as getenv
 * sees it) and the names that were given more than once there.
 */
struct envlist_index {
	size_t *slot; /* an index into the array, plus 1; 0 is free */
	size_t mask;  /* the number of slots, a power of two, minus 1 */
};

struct envlist {
	char **v; /* usable as envp at any time */
	size_t n, cap;
	unsigned char *owned; /* 1: v[i] set by envlist_set; 0: inherited;
	                       * 2: a hole left by envlist_remove */
	size_t holes;
	struct envlist_index idx;
	char **orig; /* the inherited entries, first of each name */
	size_t norig;
	struct envlist_index oidx;
	char **dups; /* names given more than once to init, once each */
	size_t ndups;
};

int envlist_init(struct envlist *e, char *const *envp);
const char *envlist_get(const struct envlist *e, const char *name);
const char *envlist_inherited(
    const struct envlist *e, const char *name, size_t n);
int envlist_set(struct envlist *e, const char *name, const char *value);
int envlist_set_n(
    struct envlist *e, const char *name, const char *value, size_t m);
void envlist_unset(struct envlist *e, const char *name);
void envlist_remove(struct envlist *e, const char *name);
char **envlist_envp(struct envlist *e);
void envlist_unset_all(struct envlist *e, char *const *names, size_t k);
void envlist_free(struct envlist *e);

#endif
