// SPDX-License-Identifier: MIT
/*
 * strlist: a growable list of copied strings, as the configuration keeps
 * them (--secret, --env-file, ...). Returns 0 or -1 with errno.
 */
#include <stdlib.h>
#include <string.h>

#include "strlist.h"

int
strlist_add(struct strlist *l, const char *s)
{
	char **nv, *copy;

	if (!(copy = strdup(s)) ||
	    !(nv = realloc(l->v, (l->n + 1) * sizeof(*nv)))) {
		free(copy);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = copy;
	return 0;
}

void
strlist_free(struct strlist *l)
{
	while (l->n)
		free(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
}
