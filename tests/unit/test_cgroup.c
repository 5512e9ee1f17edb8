// SPDX-License-Identifier: MIT
/* cgroup: memory.events, memory.max/peak and /proc/self/cgroup parsed. */
#include <criterion/criterion.h>
#include <errno.h>

#include "cgroup.h"

Test(cgroup, events_give_both_oom_counters)
{
	struct cgroup_events ev;

	cr_assert_eq(cgroup_parse_events("low 0\nhigh 0\nmax 12\noom 3\n"
	                                 "oom_kill 2\noom_group_kill 1\n",
	                 &ev),
	    0);
	cr_assert_eq(ev.oom_kill, 2);
	cr_assert_eq(ev.oom_group_kill, 1);
}

Test(cgroup, events_of_an_older_kernel_lack_the_group_counter)
{
	struct cgroup_events ev = { 9, 9 };

	cr_assert_eq(cgroup_parse_events("oom 1\noom_kill 1", &ev), 0);
	cr_assert_eq(ev.oom_kill, 1);
	cr_assert_eq(ev.oom_group_kill, 0);
}

Test(cgroup, events_without_oom_kill_are_refused)
{
	struct cgroup_events ev;

	cr_assert_eq(cgroup_parse_events("", &ev), -1);
	cr_assert_eq(cgroup_parse_events("oom 1\noom_killer 4\n", &ev), -1);
	cr_assert_eq(cgroup_parse_events("oom_kill x\n", &ev), -1);
	cr_assert_eq(cgroup_parse_events("oom_kill 1x\n", &ev), -1);
	cr_assert_eq(cgroup_parse_events("oom_kill -1\n", &ev), -1);
}

Test(cgroup, bytes_or_max)
{
	long long b;

	cr_assert_eq(cgroup_parse_bytes("67108864\n", &b), 0);
	cr_assert_eq(b, 67108864);
	cr_assert_eq(cgroup_parse_bytes("max\n", &b), 0);
	cr_assert_eq(b, -1);
	cr_assert_eq(cgroup_parse_bytes("", &b), -1);
	cr_assert_eq(cgroup_parse_bytes("12k\n", &b), -1);
	cr_assert_eq(cgroup_parse_bytes("99999999999999999999999\n", &b), -1);
}

Test(cgroup, self_is_the_v2_line)
{
	char p[64];

	cr_assert_eq(cgroup_parse_self("0::/\n", p, sizeof(p)), 0);
	cr_assert_str_eq(p, "/");
	cr_assert_eq(cgroup_parse_self("4:memory:/x\n0::/kubepods/pod1/c\n",
	                 p, sizeof(p)),
	    0);
	cr_assert_str_eq(p, "/kubepods/pod1/c");
	cr_assert_eq(cgroup_parse_self("0::/abc", p, 4), -1, "too long");
	cr_assert_eq(errno, ENAMETOOLONG);
}

Test(cgroup, v1_only_has_no_v2_line)
{
	char p[64];

	cr_assert_eq(cgroup_parse_self("4:memory:/docker/abc\n1:cpu:/\n", p,
	                 sizeof(p)),
	    -1);
	cr_assert_eq(errno, ENOENT);
}

Test(cgroup, reader_without_a_directory_is_quiet)
{
	struct cgroup cg = { -1, { 0, 0 } };
	long long max, peak;
	int rose = 1;

	cr_assert_eq(cgroup_oom_rose(&cg, &rose), -1);
	cr_assert_eq(rose, 0);
	cgroup_memory(&cg, &max, &peak);
	cr_assert_eq(max, -1);
	cr_assert_eq(peak, -1);
}
