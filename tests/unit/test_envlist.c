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

/*
 * Review: random sets, removes (holes), unsets and envp calls against a
 * plain ordered model, starting from an environment with a duplicate and
 * an entry without '='. After every step each name reads as the model
 * says; after every envp the array is the model exactly: no hole, no
 * removed value, no NULL before the end.
 */
#define MODEL_MAX 512

struct model {
	char *v[MODEL_MAX];
	size_t n;
};

static long
model_find(const struct model *m, const char *name)
{
	size_t i, k = strlen(name);

	for (i = 0; i < m->n; i++)
		if (strncmp(m->v[i], name, k) == 0 && m->v[i][k] == '=')
			return (long)i;
	return -1;
}

static void
model_del(struct model *m, long i)
{
	free(m->v[i]);
	memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof(*m->v));
	m->n--;
}

Test(envlist, random_holes_match_a_plain_model)
{
	static char *start[] = { "N3=inherited", "RAW", "N5=five", "N3=dup",
		"BOSUN_X=1", NULL };
	struct envlist e;
	struct model m = { { NULL }, 0 };
	char name[16], val[32], *names[4], **envp;
	unsigned seed = 12345;
	long at;
	size_t i;
	int step, op, k;

	cr_assert_eq(envlist_init(&e, start), 0);
	m.v[m.n++] = strdup("N3=inherited");
	m.v[m.n++] = strdup("RAW");
	m.v[m.n++] = strdup("N5=five");
	for (step = 0; step < 20000; step++) {
		op = rand_r(&seed) % 10;
		snprintf(name, sizeof(name), "N%d", rand_r(&seed) % 40);
		if (op < 5) {
			snprintf(val, sizeof(val), "v%d", step);
			cr_assert_eq(envlist_set(&e, name, val), 0);
			if ((at = model_find(&m, name)) >= 0) {
				free(m.v[at]);
			} else {
				cr_assert_lt(m.n, MODEL_MAX);
				at = (long)m.n++;
			}
			m.v[at] = malloc(strlen(name) + strlen(val) + 2);
			sprintf(m.v[at], "%s=%s", name, val);
		} else if (op < 8) {
			envlist_remove(&e, name);
			if ((at = model_find(&m, name)) >= 0)
				model_del(&m, at);
		} else if (op < 9) {
			/* a batch with a name twice and one unset */
			for (k = 0; k < 4; k++) {
				names[k] = malloc(16);
				snprintf(names[k], 16, "N%d",
				    k == 3 ? rand_r(&seed) % 40 : rand_r(&seed) % 40);
			}
			strcpy(names[1], names[0]);
			envlist_unset_all(&e, names, 4);
			for (k = 0; k < 4; k++) {
				if ((at = model_find(&m, names[k])) >= 0)
					model_del(&m, at);
				free(names[k]);
			}
		} else {
			envp = envlist_envp(&e);
			cr_assert_eq(e.n, m.n, "step %d", step);
			for (i = 0; i < m.n; i++)
				cr_assert_str_eq(envp[i], m.v[i], "step %d at %zu",
				    step, i);
			cr_assert_null(envp[m.n]);
		}
		for (k = 0; k < 40; k++) {
			snprintf(name, sizeof(name), "N%d", k);
			at = model_find(&m, name);
			if (at < 0)
				cr_assert_null(envlist_get(&e, name), "step %d %s",
				    step, name);
			else
				cr_assert_str_eq(envlist_get(&e, name),
				    strchr(m.v[at], '=') + 1, "step %d %s", step,
				    name);
		}
	}
	envp = envlist_envp(&e);
	for (i = 0; i < m.n; i++)
		cr_assert_str_eq(envp[i], m.v[i]);
	cr_assert_null(envp[m.n]);
	while (m.n)
		model_del(&m, (long)m.n - 1);
	envlist_free(&e);
}
