// SPDX-License-Identifier: MIT
/* procs: /proc/PID/stat parsing and the descendant rule. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "procs.h"

#define STAT(pid, comm, ppid, start) \
	#pid " (" comm ") S " #ppid " 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 " \
	"20 0 1 0 " #start " 1000 100 18446744073709551615 1 1 0 0 0 0 0 0"

Test(procs, parses_ppid_and_start_time)
{
	struct proc p;

	cr_assert_eq(procs_parse_stat(STAT(42, "sleep", 7, 123456), &p), 0);
	cr_assert_eq(p.pid, 42);
	cr_assert_eq(p.ppid, 7);
	cr_assert_eq(p.start, 123456);
}

Test(procs, command_names_may_hold_spaces_and_parens)
{
	struct proc p;

	cr_assert_eq(procs_parse_stat(STAT(5, "a) b (c", 3, 99), &p), 0);
	cr_assert_eq(p.ppid, 3);
	cr_assert_eq(p.start, 99);
}

Test(procs, rejects_malformed_lines)
{
	struct proc p;
	const char *bad[] = { "", "42", "42 (x)", "42 (x) S", "x (y) S 1 2",
		"42 (x) S -1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"42 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0",
		"0 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 1" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(procs_parse_stat(bad[i], &p), -1, "'%s'", bad[i]);
}

static struct proc *
find(struct proc *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].pid == pid)
			return &v[i];
	return NULL;
}

Test(procs, finds_children_grandchildren_and_nothing_else)
{
	/* root 10; 11,12 children; 13 grandchild; 20 bystander; 1 init */
	struct proc v[] = {
		{ 13, 12, 300 }, { 1, 0, 1 }, { 10, 1, 100 }, { 11, 10, 200 },
		{ 12, 10, 250 }, { 20, 1, 50 }, { 21, 20, 400 },
	};
	size_t n = sizeof(v) / sizeof(v[0]);

	cr_assert_eq(procs_descendants(v, n, 10), 3);
	cr_assert_eq(find(v, n, 11)->mark, 1);
	cr_assert_eq(find(v, n, 12)->mark, 1);
	cr_assert_eq(find(v, n, 13)->mark, 1);
	cr_assert_eq(find(v, n, 20)->mark, 0);
	cr_assert_eq(find(v, n, 21)->mark, 0);
	cr_assert_eq(find(v, n, 1)->mark, 0);
}

Test(procs, a_parent_younger_than_its_child_is_a_reused_pid)
{
	/* 30's parent 12 died; pid 12 now belongs to a newer process
	 * that happens to be our child: 30 must not count */
	struct proc v[] = {
		{ 10, 1, 100 }, { 12, 10, 900 }, { 30, 12, 500 },
	};

	cr_assert_eq(procs_descendants(v, 3, 10), 1);
	cr_assert_eq(find(v, 3, 30)->mark, 0);
}

Test(procs, equal_start_times_are_allowed)
{
	struct proc v[] = { { 10, 1, 100 }, { 12, 10, 500 }, { 30, 12, 500 } };

	cr_assert_eq(procs_descendants(v, 3, 10), 2);
}

Test(procs, cycles_and_missing_parents_are_not_descendants)
{
	struct proc v[] = {
		{ 10, 1, 100 }, { 40, 41, 100 }, { 41, 40, 100 }, { 50, 99, 100 },
		{ 51, 50, 100 },
	};

	cr_assert_eq(procs_descendants(v, 5, 10), 0);
}

Test(procs, deep_chains)
{
	static struct proc v[2000];

	for (int i = 0; i < 2000; i++)
		v[i] = (struct proc){ 1000 + i, i ? 999 + i : 10, 100 + i };
	cr_assert_eq(procs_descendants(v, 2000, 10), 2000);
	cr_assert_eq(procs_descendants(v, 2000, 1500), 1499);
}

Test(procs, an_empty_snapshot_has_no_descendants)
{
	cr_assert_eq(procs_descendants(NULL, 0, 10), 0);
}

Test(procs, a_round_signals_each_process_once)
{
	/* 11 and 12 were signalled; 12's pid now belongs to a new process
	 * (another start time); 13 is new */
	struct proc seen[] = { { 11, 10, 200 }, { 12, 10, 250 } };
	struct proc v[] = {
		{ 10, 1, 100 }, { 11, 10, 200 }, { 12, 10, 900 }, { 13, 11, 300 },
		{ 20, 1, 50 },
	};

	cr_assert_eq(procs_descendants(v, 5, 10), 3);
	cr_assert_eq(procs_unseen(v, 5, 10, seen, 2), 2);
	cr_assert_eq(find(v, 5, 11)->mark, 0, "signalled already");
	cr_assert_eq(find(v, 5, 12)->mark, 1, "a reused pid is a new process");
	cr_assert_eq(find(v, 5, 13)->mark, 1);
	cr_assert_eq(find(v, 5, 20)->mark, 0);
}

Test(procs, a_round_ends_when_nothing_is_new)
{
	struct proc seen[] = { { 11, 10, 200 }, { 13, 11, 300 } };
	struct proc v[] = { { 10, 1, 100 }, { 11, 10, 200 }, { 13, 11, 300 } };

	procs_descendants(v, 3, 10);
	cr_assert_eq(procs_unseen(v, 3, 10, seen, 2), 0);
	cr_assert_eq(procs_unseen(v, 0, 10, seen, 2), 0);
	procs_descendants(v, 3, 10);
	cr_assert_eq(procs_unseen(v, 3, 10, NULL, 0), 2, "nothing seen yet");
}

Test(procs, own_proc_is_recognised)
{
	pid_t self;

	/* the unit tests run with the host's /proc, their own */
	cr_assert_eq(procs_own(&self), 0);
	cr_assert_eq(self, getpid());
}

Test(procs, parses_the_threads_field)
{
	struct proc p;

	cr_assert_eq(procs_parse_stat(STAT(42, "sleep", 7, 123456), &p), 0);
	cr_assert_eq(p.threads, 1);
	cr_assert_eq(procs_parse_stat("9 (w) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 "
	                              "20 0 17 0 5 1",
	                 &p),
	    0);
	cr_assert_eq(p.threads, 17);
}

Test(procs, children_file_lists_pids_separated_by_spaces)
{
	pid_t v[8];
	size_t n;
	const char *s = "12 345 6789 ";

	cr_assert_eq(procs_parse_children(s, strlen(s), v, 8, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(v[0], 12);
	cr_assert_eq(v[1], 345);
	cr_assert_eq(v[2], 6789);
	cr_assert_eq(procs_parse_children("", 0, v, 8, &n), 0);
	cr_assert_eq(n, 0, "no children");
	cr_assert_eq(procs_parse_children("7", 1, v, 8, &n), 0);
	cr_assert_eq(n, 1, "the last pid needs no space after it");
	cr_assert_eq(v[0], 7);
}

Test(procs, children_file_that_is_not_pids_is_refused)
{
	pid_t v[8];
	size_t n;
	const char *bad[] = { "12 x ", "-3 ", "0 ", "12  13 ", " 12 ",
		"99999999999999999999 ", "12\n" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(procs_parse_children(bad[i], strlen(bad[i]), v,
		                 8, &n),
		    -1, "'%s'", bad[i]);
}

Test(procs, children_beyond_the_room_given_are_an_error)
{
	pid_t v[2];
	size_t n;

	cr_assert_eq(procs_parse_children("1 2 3 ", 6, v, 2, &n), -1);
	cr_assert_eq(errno, ENOBUFS);
}
