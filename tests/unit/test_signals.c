// SPDX-License-Identifier: MIT
/* signals: names, numbers, the rewrite table, sending with a payload. */
#include <criterion/criterion.h>
#include <unistd.h>
#include <string.h>

#include "signals.h"

Test(signals, names_in_any_case_with_or_without_sig)
{
	cr_assert_eq(sig_parse("TERM"), SIGTERM);
	cr_assert_eq(sig_parse("SIGTERM"), SIGTERM);
	cr_assert_eq(sig_parse("term"), SIGTERM);
	cr_assert_eq(sig_parse("SigHup"), SIGHUP);
	cr_assert_eq(sig_parse("winch"), SIGWINCH);
	cr_assert_eq(sig_parse("IOT"), SIGABRT);
	cr_assert_eq(sig_parse("CLD"), SIGCHLD);
	cr_assert_eq(sig_parse("POLL"), SIGIO);
	cr_assert_eq(sig_parse("SYS"), SIGSYS);
}

Test(signals, numbers)
{
	cr_assert_eq(sig_parse("0"), 0);
	cr_assert_eq(sig_parse("15"), 15);
	cr_assert_eq(sig_parse("64"), 64);
	cr_assert_eq(sig_parse("65"), -1);
	cr_assert_eq(sig_parse("1x"), -1);
}

Test(signals, realtime_names_count_like_glibc)
{
	cr_assert_eq(sig_parse("RTMIN"), 34);
	cr_assert_eq(sig_parse("SIGRTMIN+3"), 37);
	cr_assert_eq(sig_parse("rtmin+30"), 64);
	cr_assert_eq(sig_parse("RTMAX"), 64);
	cr_assert_eq(sig_parse("RTMAX-2"), 62);
	cr_assert_eq(sig_parse("RTMIN+31"), -1);
	cr_assert_eq(sig_parse("RTMIN-1"), -1);
	cr_assert_eq(sig_parse("RTMIN+"), -1);
	cr_assert_eq(sig_parse("RTMAX+1"), -1);
}

Test(signals, unknown_names)
{
	cr_assert_eq(sig_parse(""), -1);
	cr_assert_eq(sig_parse("SIG"), -1);
	cr_assert_eq(sig_parse("TERMINATE"), -1);
	cr_assert_eq(sig_parse("-15"), -1);
}

Test(signals, names_for_logs)
{
	char b[24];

	cr_assert_str_eq(sig_name(SIGTERM, b, sizeof(b)), "SIGTERM");
	cr_assert_str_eq(sig_name(37, b, sizeof(b)), "SIGRTMIN+3");
	cr_assert_str_eq(sig_name(32, b, sizeof(b)), "signal 32");
}

Test(signals, catchable_and_stop)
{
	cr_assert(sig_catchable(SIGTERM));
	cr_assert(sig_catchable(64));
	cr_assert_not(sig_catchable(SIGKILL));
	cr_assert_not(sig_catchable(SIGSTOP));
	cr_assert_not(sig_catchable(0));
	cr_assert_not(sig_catchable(65));
	cr_assert(sig_is_stop(SIGTERM) && sig_is_stop(SIGINT) &&
	    sig_is_stop(SIGQUIT));
	cr_assert_not(sig_is_stop(SIGHUP));
}

Test(signals, rewrite_table)
{
	struct sigmap m;
	char err[128];

	sig_map_init(&m);
	for (int i = 0; i <= SIG_MAX; i++)
		cr_assert_eq(m.to[i], i, "identity at first");
	cr_assert_eq(sig_map_add(&m, "TERM:QUIT", err, sizeof(err)), 0);
	cr_assert_eq(sig_map_add(&m, "HUP:0", err, sizeof(err)), 0);
	cr_assert_eq(sig_map_add(&m, "rtmin+3:USR1", err, sizeof(err)), 0);
	cr_assert_eq(sig_map_add(&m, "USR2:STOP", err, sizeof(err)), 0);
	cr_assert_eq(m.to[SIGTERM], SIGQUIT);
	cr_assert_eq(m.to[SIGHUP], 0);
	cr_assert_eq(m.to[37], SIGUSR1);
	cr_assert_eq(m.to[SIGUSR2], SIGSTOP);
}

Test(signals, bad_rewrites)
{
	struct sigmap m;
	char err[128];
	const char *bad[] = { "TERM", ":QUIT", "TERM:", "TERM:NOPE", "KILL:TERM",
		"STOP:TERM", "CHLD:TERM", "0:TERM", "X:TERM",
		"AVERYLONGSIGNALNAMETHATDOESNOTFITANYBUFFER:TERM" };

	sig_map_init(&m);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(sig_map_add(&m, bad[i], err, sizeof(err)), -1,
		    "%s", bad[i]);
		cr_assert(strstr(err, "rewrite"), "%s", err);
	}
}

Test(signals, sig_send_keeps_a_sigqueue_payload)
{
	ksigset old;
	siginfo_t got = { 0 }, info;
	struct timespec zero = { 0, 0 };

	cr_assert_eq(sig_block_all(&old), 0);
	got.si_code = SI_QUEUE;
	got.si_value.sival_int = 4242;
	cr_assert_eq(sig_send(getpid(), 40, &got), 0);
	cr_assert_eq(sig_wait(&zero, &info), 40);
	cr_assert_eq(info.si_code, SI_QUEUE);
	cr_assert_eq(info.si_value.sival_int, 4242);
	cr_assert_eq(info.si_pid, getpid());
	/* a plain kill stays one */
	got.si_code = SI_USER;
	cr_assert_eq(sig_send(getpid(), 40, &got), 0);
	cr_assert_eq(sig_wait(&zero, &info), 40);
	cr_assert_eq(info.si_code, SI_USER);
	cr_assert_eq(sig_send(getpid(), 40, NULL), 0);
	cr_assert_eq(sig_wait(&zero, &info), 40);
	cr_assert_eq(info.si_code, SI_USER);
	sig_set_mask(old);
}
