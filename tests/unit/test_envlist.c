// SPDX-License-Identifier: MIT
/* envlist: the command's environment as data. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

Test(envlist, duplicates_keep_the_first_and_are_named_once)
{
	char *dup[] = { "X=a", "PATH=/bin", "X=b", "BOSUN_GRACE=1s", "X=c",
		"Y=1", "Y=2", "NOEQUALS", "NOEQUALS", NULL };
	struct envlist e;

	cr_assert_eq(envlist_init(&e, dup), 0);
	cr_assert_eq(e.n, 5, "X, PATH, Y and two entries without '='");
	cr_assert_str_eq(e.v[0], "X=a");
	cr_assert_str_eq(envlist_get(&e, "X"), "a", "the first, as getenv");
	cr_assert_eq(e.ndups, 2);
	cr_assert_str_eq(e.dups[0], "X", "a name, never a value");
	cr_assert_str_eq(e.dups[1], "Y");
	envlist_set(&e, "X", "secret");
	envlist_unset(&e, "Y");
	for (size_t i = 0; i < e.n; i++)
		cr_assert_neq(strncmp(e.v[i], "Y=", 2), 0);
	cr_assert_str_eq(envlist_inherited(&e, "X", 1), "a");
	cr_assert_str_eq(envlist_inherited(&e, "Y", 1), "1",
	    "what it started from stays");
	envlist_free(&e);
}

Test(envlist, index_follows_unset_and_owned_follows_entries)
{
	struct envlist e;
	char name[16], *gone[] = { "V1", "V3", "NOPE", "V1" };
	size_t i;

	envlist_init(&e, base);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "V%zu", i);
		envlist_set(&e, name, name);
	}
	envlist_unset_all(&e, gone, 4);
	cr_assert_eq(e.n, 7);
	cr_assert_null(e.v[7]);
	cr_assert_null(envlist_get(&e, "V1"));
	cr_assert_null(envlist_get(&e, "V3"));
	for (i = 0; i < e.n; i++) {
		const char *v = e.v[i];
		long at = strchr(v, '=') - v;

		snprintf(name, sizeof(name), "%.*s", (int)at, v);
		cr_assert_eq(envlist_get(&e, name), v + at + 1, "%s", name);
		cr_assert_eq(e.owned[i], name[0] == 'V', "%s", name);
	}
	cr_assert_str_eq(e.v[3], "V0=V0", "order kept");
	cr_assert_str_eq(e.v[4], "V2=V2");
	envlist_free(&e);
}

/* O(1) per variable: 100,000 would take seconds with a linear lookup. */
Test(envlist, a_hundred_thousand_variables_in_linear_time, .timeout = 10)
{
	struct timespec t0, t1;
	struct envlist e;
	char name[32];
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	envlist_init(&e, base);
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "VAR_%d", i);
		cr_assert_eq(envlist_set(&e, name, "v"), 0);
	}
	for (i = 0; i < 100000; i += 7) {
		snprintf(name, sizeof(name), "VAR_%d", i);
		cr_assert_str_eq(envlist_get(&e, name), "v");
		cr_assert_eq(envlist_set(&e, name, "w"), 0);
	}
	cr_assert_eq(e.n, 100003);
	cr_assert_null(e.v[e.n]);
	envlist_unset(&e, "VAR_0");
	cr_assert_str_eq(envlist_get(&e, "VAR_99999"), "v");
	envlist_free(&e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 3, "took %lds",
	    (long)(t1.tv_sec - t0.tv_sec));
}

Test(envlist, remove_leaves_a_hole_that_envp_closes_in_order)
{
	struct envlist e;
	char **envp;

	envlist_init(&e, base);
	envlist_set(&e, "A", "1");
	envlist_set(&e, "B", "2");
	envlist_remove(&e, "HOME");
	envlist_remove(&e, "A");
	envlist_remove(&e, "NOT_THERE");
	cr_assert_null(envlist_get(&e, "HOME"));
	cr_assert_null(envlist_get(&e, "A"));
	cr_assert_str_eq(envlist_get(&e, "B"), "2");
	cr_assert_str_eq(envlist_inherited(&e, "HOME", 4), "/root",
	    "what it started from stays");
	envlist_set(&e, "A", "3");
	envp = envlist_envp(&e);
	cr_assert_eq(e.n, 4);
	cr_assert_str_eq(envp[0], "PATH=/bin");
	cr_assert_str_eq(envp[1], "EMPTY=");
	cr_assert_str_eq(envp[2], "B=2");
	cr_assert_str_eq(envp[3], "A=3");
	cr_assert_null(envp[4]);
	cr_assert_str_eq(envlist_get(&e, "A"), "3", "index follows the moves");
	cr_assert_str_eq(envlist_get(&e, "PATH"), "/bin");
	envlist_free(&e);
}

/* Removing from the middle of probe runs keeps every other name found. */
Test(envlist, remove_keeps_colliding_names_reachable)
{
	struct envlist e;
	char name[32];
	int i;

	envlist_init(&e, base);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "K%d", i);
		cr_assert_eq(envlist_set(&e, name, name), 0);
	}
	for (i = 0; i < 5000; i += 3) {
		snprintf(name, sizeof(name), "K%d", i);
		envlist_remove(&e, name);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "K%d", i);
		if (i % 3 == 0)
			cr_assert_null(envlist_get(&e, name), "%s", name);
		else
			cr_assert_str_eq(envlist_get(&e, name), name);
	}
	envlist_envp(&e);
	cr_assert_eq(e.n, 3 + 5000 - 1667);
	for (i = 1; i < 5000; i += 3) {
		snprintf(name, sizeof(name), "K%d", i);
		cr_assert_str_eq(envlist_get(&e, name), name);
	}
	envlist_free(&e);
}
