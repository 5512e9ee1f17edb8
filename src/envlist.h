/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_ENVLIST_H
#define BOSUN_ENVLIST_H

#include <stddef.h>

/* An environment as data: a NULL-terminated array of "NAME=VALUE". */
struct envlist {
	char **v;
	size_t n, cap;
	unsigned char *owned; /* v[i] was allocated here */
};

int envlist_init(struct envlist *e, char *const *envp);
const char *envlist_get(const struct envlist *e, const char *name);
int envlist_set(struct envlist *e, const char *name, const char *value);
void envlist_unset(struct envlist *e, const char *name);
void envlist_free(struct envlist *e);

#endif
