// SPDX-License-Identifier: MIT
/* why: the termination message, one line from the facts. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "why.h"

#define EXITED(code) ((code) << 8)
#define KILLED(sig) (sig)

static const char *
msg(const struct why *w)
{
	static char buf[WHY_MAX + 1];

	cr_assert_eq(why_message(w, buf, sizeof(buf)), 0);
	return buf;
}

static struct why
facts(int wstatus)
{
	struct why w = { .wstatus = wstatus, .stop_ms = -1, .mem_max = -1,
		.mem_peak = -1 };

	return w;
}

Test(why, an_exit_code)
{
	struct why w = facts(EXITED(3));

	cr_assert_str_eq(msg(&w), "exited 3\n");
}

Test(why, a_death_by_signal_with_and_without_core)
{
	struct why w = facts(KILLED(SIGSEGV));

	cr_assert_str_eq(msg(&w), "killed by SIGSEGV\n");
	w.wstatus = KILLED(SIGABRT) | 0x80;
	cr_assert_str_eq(msg(&w), "killed by SIGABRT (core dumped)\n");
}

Test(why, a_stop_from_outside_and_how_long_it_took)
{
	struct why w = facts(EXITED(0));

	w.stop_sig = SIGTERM;
	w.stop_as = SIGTERM;
	w.stop_ms = 1234;
	cr_assert_str_eq(
	    msg(&w), "stopped by SIGTERM from outside, exited 0 after 1.2 s\n");
	w.stop_as = SIGQUIT;
	w.wstatus = KILLED(SIGQUIT);
	w.stop_ms = 40;
	cr_assert_str_eq(msg(&w),
	    "stopped by SIGTERM from outside (forwarded as SIGQUIT), killed "
	    "by SIGQUIT after 0.0 s\n");
}

Test(why, kill_after_names_the_ignored_signal)
{
	struct why w = facts(KILLED(SIGKILL));

	w.stop_sig = SIGTERM;
	w.stop_as = SIGTERM;
	w.kill_after_fired = 1;
	w.kill_after = 20000;
	cr_assert_str_eq(
	    msg(&w), "ignored SIGTERM; SIGKILL after --kill-after 20s\n");
	w.kill_after = 1500;
	cr_assert_str_eq(
	    msg(&w), "ignored SIGTERM; SIGKILL after --kill-after 1500ms\n");
}

Test(why, kill_after_that_fired_but_did_not_kill_is_a_plain_stop)
{
	struct why w = facts(EXITED(0));

	w.stop_sig = SIGTERM;
	w.kill_after_fired = 1;
	w.stop_ms = 2000;
	cr_assert_str_eq(
	    msg(&w), "stopped by SIGTERM from outside, exited 0 after 2.0 s\n");
}

Test(why, the_oom_killer_with_the_limit_and_peak)
{
	struct why w = facts(KILLED(SIGKILL));

	w.oom = 1;
	w.mem_max = 256LL << 20;
	w.mem_peak = (long long)(63.9 * 1048576);
	cr_assert_str_eq(msg(&w), "killed by the OOM killer (memory.max 256 "
	                          "MiB, peak 63.9 MiB)\n");
	w.mem_peak = -1;
	cr_assert_str_eq(
	    msg(&w), "killed by the OOM killer (memory.max 256 MiB)\n");
	w.mem_max = -1;
	cr_assert_str_eq(msg(&w), "killed by the OOM killer\n");
}

Test(why, bytes_in_binary_units)
{
	char b[32];

	why_bytes(100, b, sizeof(b));
	cr_assert_str_eq(b, "100 bytes");
	why_bytes(512 << 10, b, sizeof(b));
	cr_assert_str_eq(b, "512 KiB");
	why_bytes(2LL << 30, b, sizeof(b));
	cr_assert_str_eq(b, "2 GiB");
	why_bytes(1536LL << 20, b, sizeof(b));
	cr_assert_str_eq(b, "1.5 GiB");
}

Test(why, not_started_carries_the_error)
{
	struct why w = facts(0);

	w.not_started = "cannot read secret DB_PASSWORD from /run/secrets/db: "
	                "No such file or directory";
	cr_assert_str_eq(msg(&w),
	    "not started: cannot read secret DB_PASSWORD from "
	    "/run/secrets/db: No such file or directory\n");
}

Test(why, leftovers_after_grace_or_kill_after)
{
	struct why w = facts(EXITED(0));

	w.leftovers = 3;
	w.grace = 3000;
	cr_assert_str_eq(
	    msg(&w), "exited 0; 3 leftover processes killed after --grace 3s\n");
	w.leftovers = 1;
	w.grace = 0;
	cr_assert_str_eq(
	    msg(&w), "exited 0; 1 leftover process killed at once (--grace 0)\n");
	w.leftovers_by = WHY_KILL_AFTER;
	w.grace = 10000;
	cr_assert_str_eq(msg(&w),
	    "exited 0; 1 leftover process killed after --kill-after 10s\n");
}

Test(why, control_characters_never_break_the_line)
{
	struct why w = facts(0);

	w.not_started = "cannot read /run/a\nb\tc\x7f: x";
	cr_assert_str_eq(msg(&w), "not started: cannot read /run/a?b?c?: x\n");
}

Test(why, at_most_4096_bytes_with_the_newline)
{
	static char big[3 * WHY_MAX];
	struct why w = facts(0);
	const char *m;

	memset(big, 'x', sizeof(big) - 1);
	w.not_started = big;
	m = msg(&w);
	cr_assert_eq(strlen(m), WHY_MAX);
	cr_assert_eq(m[WHY_MAX - 1], '\n');
	cr_assert_eq(strncmp(m, "not started: xxx", 16), 0);
}

Test(why, a_small_buffer_bounds_it_too)
{
	struct why w = facts(EXITED(3));
	char b[6];

	cr_assert_eq(why_message(&w, b, sizeof(b)), 0);
	cr_assert_str_eq(b, "exit\n");
	cr_assert_eq(why_message(&w, b, 1), -1);
}

Test(why, a_cut_never_splits_a_character)
{
	/* "not started: " is 13 bytes; pad so a 3-byte character straddles
	 * the cut at 4095 */
	static char big[2 * WHY_MAX];
	struct why w = facts(0);
	size_t pad = WHY_MAX - 1 - 13 - 1, i;
	const char *m;

	memset(big, 'a', pad);
	for (i = pad; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3); /* the euro sign */
	big[i] = '\0';
	w.not_started = big;
	m = msg(&w);
	/* 13 + pad = 4094 bytes of text fit one whole byte more only: the
	 * euro sign needs 3, so it is left out */
	cr_assert_eq(strlen(m), 13 + pad + 1, "got %zu", strlen(m));
	cr_assert_eq(m[13 + pad], '\n');
}

Test(why, clip_keeps_whole_characters)
{
	cr_assert_eq(why_clip("ab\xc3\xa9", 4, 3), 2);
	cr_assert_eq(why_clip("ab\xc3\xa9", 4, 4), 4);
	cr_assert_eq(why_clip("a\xf0\x9f\x98\x80z", 6, 4), 1);
	cr_assert_eq(why_clip("a\xf0\x9f\x98\x80z", 6, 5), 5);
	cr_assert_eq(why_clip("abc", 3, 2), 2);
	cr_assert_eq(why_clip("\x80\x80\x80\x80\x80", 5, 3), 3, "not UTF-8");
	cr_assert_eq(why_clip("ab\xe2\x82", 4, 10), 2, "already cut short");
	cr_assert_eq(why_clip("", 0, 10), 0);
}
