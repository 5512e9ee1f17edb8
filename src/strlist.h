/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_STRLIST_H
#define BOSUN_STRLIST_H

#include <stddef.h>

/* A list of strings its owner frees (strlist_free). */
struct strlist {
	char **v;
	size_t n;
};

int strlist_add(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

#endif
