// SPDX-License-Identifier: MIT
/* envlist: the command's environment as data. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "envlist.h"

static char *base[] = { "PATH=/bin", "BOSUN_GRACE=1s", "HOME=/root",
	"BOSUN_VERBOSE=2", "EMPTY=", NULL };

Test(envlist, copies_all_but_bosun_variables)
{
	struct envlist e;

	cr_assert_eq(envlist_init(&e, base), 0);
	cr_assert_eq(e.n, 3);
	cr_assert_str_eq(e.v[0], "PATH=/bin");
	cr_assert_str_eq(e.v[1], "HOME=/root");
	cr_assert_str_eq(e.v[2], "EMPTY=");
	cr_assert_null(e.v[3]);
	cr_assert_null(envlist_get(&e, "BOSUN_GRACE"));
	envlist_free(&e);
}

Test(envlist, get_matches_whole_names)
{
	struct envlist e;

	envlist_init(&e, base);
	cr_assert_str_eq(envlist_get(&e, "PATH"), "/bin");
	cr_assert_str_eq(envlist_get(&e, "EMPTY"), "");
	cr_assert_null(envlist_get(&e, "PAT"));
	cr_assert_null(envlist_get(&e, "PATHX"));
	envlist_free(&e);
}

Test(envlist, set_replaces_or_appends)
{
	struct envlist e;
	int i;

	envlist_init(&e, base);
	cr_assert_eq(envlist_set(&e, "HOME", "/home/app"), 0);
	cr_assert_eq(e.n, 3);
	cr_assert_str_eq(envlist_get(&e, "HOME"), "/home/app");
	for (i = 0; i < 100; i++) {
		char name[16];

		snprintf(name, sizeof(name), "V%d", i);
		cr_assert_eq(envlist_set(&e, name, "x"), 0);
	}
	cr_assert_eq(e.n, 103);
	cr_assert_null(e.v[103]);
	cr_assert_str_eq(envlist_get(&e, "V99"), "x");
	envlist_free(&e);
}

Test(envlist, unset_removes_and_keeps_order)
{
	struct envlist e;

	envlist_init(&e, base);
	envlist_set(&e, "A", "1");
	envlist_unset(&e, "HOME");
	envlist_unset(&e, "NOT_THERE");
	cr_assert_eq(e.n, 3);
	cr_assert_str_eq(e.v[0], "PATH=/bin");
	cr_assert_str_eq(e.v[1], "EMPTY=");
	cr_assert_str_eq(e.v[2], "A=1");
	cr_assert_null(e.v[3]);
	envlist_unset(&e, "A");
	cr_assert_eq(e.n, 2);
	envlist_free(&e);
}
