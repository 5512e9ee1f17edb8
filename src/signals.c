// SPDX-License-Identifier: MIT
/*
 * signals: names and numbers, the rewrite table, and bosun's one way of
 * receiving signals: all of them blocked and taken with rt_sigtimedwait.
 *
 * The mask is set with raw system calls because both libcs filter it:
 * glibc refuses to block 32 and 33, musl 32 to 34. Left unblocked, such a
 * signal sent to bosun (a glibc program's SIGRTMIN is 34) would kill it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parse.h"
#include "signals.h"

/* clang-format off */
static const char *const names[32] = {
	[SIGHUP] = "HUP",	[SIGINT] = "INT",	[SIGQUIT] = "QUIT",
	[SIGILL] = "ILL",	[SIGTRAP] = "TRAP",	[SIGABRT] = "ABRT",
	[SIGBUS] = "BUS",	[SIGFPE] = "FPE",	[SIGKILL] = "KILL",
	[SIGUSR1] = "USR1",	[SIGSEGV] = "SEGV",	[SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE",	[SIGALRM] = "ALRM",	[SIGTERM] = "TERM",
	[SIGSTKFLT] = "STKFLT",	[SIGCHLD] = "CHLD",	[SIGCONT] = "CONT",
	[SIGSTOP] = "STOP",	[SIGTSTP] = "TSTP",	[SIGTTIN] = "TTIN",
	[SIGTTOU] = "TTOU",	[SIGURG] = "URG",	[SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ",	[SIGVTALRM] = "VTALRM",	[SIGPROF] = "PROF",
	[SIGWINCH] = "WINCH",	[SIGIO] = "IO",		[SIGPWR] = "PWR",
	[SIGSYS] = "SYS",
};
/* clang-format on */

/* A decimal number 0..max filling the whole string, or -1. */
static int
small_number(const char *s, int max)
{
	unsigned long long n;

	return parse_number(s, (unsigned long long)max, &n) < 0 ? -1 : (int)n;
}

/*
 * A signal by name (TERM, SIGTERM, term, RTMIN+3, RTMAX-1, IOT, CLD, POLL)
 * or number (0..64). Returns the number, 0 for "0", or -1.
 */
int
sig_parse(const char *s)
{
	int i, off;

	if (*s >= '0' && *s <= '9')
		return small_number(s, SIG_MAX);
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 1; i < 32; i++)
		if (names[i] && strcasecmp(s, names[i]) == 0)
			return i;
	if (strcasecmp(s, "IOT") == 0)
		return SIGABRT;
	if (strcasecmp(s, "CLD") == 0)
		return SIGCHLD;
	if (strcasecmp(s, "POLL") == 0)
		return SIGIO;
	if (strncasecmp(s, "RTMIN", 5) == 0) {
		if (s[5] == '\0')
			return SIG_RTMIN;
		if (s[5] != '+' || (off = small_number(s + 6, 30)) < 0)
			return -1;
		return SIG_RTMIN + off;
	}
	if (strncasecmp(s, "RTMAX", 5) == 0) {
		if (s[5] == '\0')
			return SIG_MAX;
		if (s[5] != '-' || (off = small_number(s + 6, 30)) < 0)
			return -1;
		return SIG_MAX - off;
	}
	return -1;
}

const char *
sig_name(int sig, char *buf, unsigned len)
{
	if (sig > 0 && sig < 32 && names[sig])
		snprintf(buf, len, "SIG%s", names[sig]);
	else if (sig >= SIG_RTMIN && sig <= SIG_MAX)
		snprintf(buf, len, "SIGRTMIN+%d", sig - SIG_RTMIN);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

/* Signals a process can be sent and bosun can take and pass on. */
int
sig_catchable(int sig)
{
	return sig > 0 && sig <= SIG_MAX && sig != SIGKILL && sig != SIGSTOP;
}

/* The signals that ask a program to stop: they start --kill-after. */
int
sig_is_stop(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}

void
sig_map_init(struct sigmap *m)
{
	int i;

	for (i = 0; i <= SIG_MAX; i++)
		m->to[i] = i;
}

/* Adds one FROM:TO rule; a later rule for the same FROM replaces it. */
int
sig_map_add(struct sigmap *m, const char *spec, char *err, size_t len)
{
	char from[32];
	const char *colon = strchr(spec, ':');
	size_t n;
	int f, t;

	if (!colon || (n = colon - spec) == 0 || n >= sizeof(from)) {
		snprintf(err, len, "bad rewrite '%s': expected FROM:TO", spec);
		return -1;
	}
	memcpy(from, spec, n);
	from[n] = '\0';
	f = sig_parse(from);
	if (f <= 0 || !sig_catchable(f) || f == SIGCHLD) {
		snprintf(err, len, "bad rewrite '%s': cannot rewrite '%s'",
		    spec, from);
		return -1;
	}
	t = sig_parse(colon + 1);
	if (t < 0) {
		snprintf(err, len, "bad rewrite '%s': unknown signal '%s'",
		    spec, colon + 1);
		return -1;
	}
	m->to[f] = t;
	return 0;
}

/* Blocks every signal the kernel lets us block; saves the old mask. */
int
sig_block_all(ksigset *old)
{
	ksigset all = ~(ksigset)0;

	return syscall(
	    SYS_rt_sigprocmask, SIG_SETMASK, &all, old, sizeof(ksigset));
}

int
sig_set_mask(ksigset mask)
{
	return syscall(
	    SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof(ksigset));
}

/*
 * Sends sig to pid (a process group when negative) as kill(2) does, but
 * keeps a sigqueue(3) payload: a signal got as SI_QUEUE goes on as one,
 * with its si_value, through rt_sigqueueinfo (whose si_pid and si_uid the
 * kernel takes as given, so they are ours). The kernel refuses codes >= 0
 * to another process. There is no sigqueue to a group: kill(2) it is.
 */
int
sig_send(pid_t pid, int sig, const siginfo_t *got)
{
	/* asked once: the process that forwards never changes its pid or
	 * uid (the drop happens in the child), and no child forwards */
	static pid_t self;
	static uid_t uid;
	siginfo_t si;

	if (pid <= 0 || !got || got->si_code != SI_QUEUE || sig == 0)
		return kill(pid, sig);
	if (!self) {
		self = getpid();
		uid = getuid();
	}
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = self;
	si.si_uid = uid;
	si.si_value = got->si_value;
	return (int)syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

/*
 * Takes the next pending signal, waiting at most timeout (forever when
 * NULL). Returns the signal, 0 on timeout or interruption, -1 on error.
 */
int
sig_wait(const struct timespec *timeout, siginfo_t *info)
{
	ksigset all = ~(ksigset)0;
	long r;

	r = syscall(SYS_rt_sigtimedwait, &all, info, timeout, sizeof(ksigset));
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	return (int)r;
}

/* Takes one pending signal of set without waiting: the signal, 0 when none
 * of them is pending, -1 on error. */
int
sig_take(ksigset set, siginfo_t *info)
{
	struct timespec zero = { 0, 0 };
	long r;

	r = syscall(SYS_rt_sigtimedwait, &set, info, &zero, sizeof(ksigset));
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	return (int)r;
}
