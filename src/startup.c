// SPDX-License-Identifier: MIT
/*
 * startup: the time before the command runs. bosun blocks every signal
 * from its first line (they queue for the supervisor), but until the
 * command is started nobody would handle them: a secret read that stalls
 * or a slow hook would keep `docker stop` waiting for its SIGKILL. So
 * here TERM, INT, QUIT and HUP get a handler that ends bosun at once
 * (exit 128+N, the command never started), and ALRM is the deadline of
 * loading the file sources of secrets.
 *
 * The handler only does async-signal-safe things. While a hook runs it
 * does not exit: it kills the hook's process group and notes the signal;
 * the hooks module then kills and reaps whatever the hook left and main
 * exits. With no hook running there is nothing to clean up: it exits.
 *
 * A read in an uninterruptible wait (a hung FUSE or hard NFS mount) runs
 * no handler until it returns; only SIGKILL ends bosun there.
 *
 * When the handler ends bosun it says why with one write(2), as text or as
 * a JSON line (--log-format), and writes the termination message to the
 * file main opened for it (startup_termlog): truncate, then one write.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "exitcodes.h"
#include "files.h"
#include "log.h"
#include "signals.h"
#include "startup.h"
#include "why.h"

static const int handled[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGALRM };
#define NHANDLED (sizeof(handled) / sizeof(handled[0]))

static struct sigaction saved[NHANDLED];
static volatile sig_atomic_t stop_sig;
/* > 0: a hook's process group runs; < 0: a hook is being started or its
 * leftovers cleaned up (note the signal, do not exit); 0: neither */
static volatile sig_atomic_t hook;
static volatile sig_atomic_t alarm_from_outside;
static char late[160];
static int termlog_fd = -1;
/* the handler's buffers: it runs once, and never returns after using them */
static char msg[4096 + 256], out[6 * 4096], stopped[64];

static void
say(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	while (n > 0 && write(STDERR_FILENO, s, n) < 0 && errno == EINTR)
		;
}

/* Appends at most max - *at - 1 bytes of s; async-signal-safe. */
static void
put(char *buf, size_t max, size_t *at, const char *s)
{
	while (*s && *at + 1 < max)
		buf[(*at)++] = *s++;
	buf[*at] = '\0';
}

/*
 * Says why bosun ends before the command started: m on stderr, why as the
 * termination message. Async-signal-safe: write, clock_gettime,
 * ftruncate, and pure code (log_json_*, why_clip).
 */
static void
fail(const char *m, const char *why)
{
	struct timespec ts;
	char t[32];
	size_t at = 0, n, i;

	if (log_format == LOG_FORMAT_JSON) {
		clock_gettime(CLOCK_REALTIME, &ts);
		log_json_time(t, sizeof(t), &ts);
		put(out, sizeof(out), &at, "{\"time\":\"");
		put(out, sizeof(out), &at, t);
		put(out, sizeof(out), &at, "\",\"level\":\"error\",\"msg\":");
		at += log_json_string(out + at, sizeof(out) - at - 3, m);
		put(out, sizeof(out), &at, "}\n");
	} else {
		put(out, sizeof(out), &at, "bosun: ");
		put(out, sizeof(out) - 1, &at, m);
		put(out, sizeof(out), &at, "\n");
	}
	say(out);
	if (termlog_fd < 0)
		return;
	at = 0;
	put(out, sizeof(out), &at, "not started: ");
	put(out, sizeof(out), &at, why);
	for (i = 0; i < at; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
	n = why_clip(out, at, WHY_MAX - 1);
	out[n++] = '\n';
	if (ftruncate(termlog_fd, 0) == 0)
		while (write(termlog_fd, out, n) < 0 && errno == EINTR)
			;
}

static const char *
stop_name(int sig)
{
	switch (sig) {
	case SIGTERM:
		return "SIGTERM";
	case SIGINT:
		return "SIGINT";
	case SIGQUIT:
		return "SIGQUIT";
	default:
		return "SIGHUP";
	}
}

static void
on_signal(int sig, siginfo_t *si, void *ctx)
{
	int e = errno;
	const char *path;
	size_t at;

	(void)ctx;
	if (sig == SIGALRM) {
		/* the timer's comes from the kernel; another is no deadline
		 * (dropped before the start: startup_drop_pending) */
		if (si->si_code != SI_KERNEL) {
			alarm_from_outside = 1;
			goto out;
		}
		if (hook)
			goto out; /* hooks keep their own deadline */
		at = 0;
		put(msg, sizeof(msg), &at, late);
		if ((path = files_reading)) {
			put(msg, sizeof(msg), &at, ": still reading ");
			put(msg, sizeof(msg), &at, path);
		}
		fail(msg, msg);
		exit_flush_coverage();
		_exit(EXIT_BOSUN);
	}
	if (!stop_sig)
		stop_sig = sig;
	if (hook > 0)
		kill(-hook, SIGKILL);
	if (hook)
		goto out;
	at = 0;
	put(stopped, sizeof(stopped), &at, stop_name(sig));
	put(stopped, sizeof(stopped), &at, " before the command started");
	at = 0;
	put(msg, sizeof(msg), &at, stopped);
	put(msg, sizeof(msg), &at, "; exiting");
	fail(msg, stopped);
	exit_flush_coverage();
	_exit(128 + sig);
out:
	errno = e;
}

/* Handles the stop signals and ALRM until startup_end. */
int
startup_begin(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal,
		.sa_flags = SA_SIGINFO };
	ksigset mask = ~(ksigset)0;
	size_t i;

	/* no SA_RESTART: a blocking read or poll returns with EINTR */
	sigfillset(&sa.sa_mask);
	for (i = 0; i < NHANDLED; i++) {
		if (sigaction(handled[i], NULL, &saved[i]) < 0)
			return -1;
		/* a stop signal bosun was told to ignore (nohup) stays
		 * blocked, and later reaches the command, which ignores it */
		if (saved[i].sa_handler == SIG_IGN && handled[i] != SIGALRM)
			continue;
		if (sigaction(handled[i], &sa, NULL) < 0)
			return -1;
		mask &= ~((ksigset)1 << (handled[i] - 1));
	}
	/* set the whole mask: musl unblocks its own signals (32-34) when
	 * the first handler is installed, and those would kill bosun */
	return sig_set_mask(mask);
}

/*
 * In the process that reads the sources again for a restart (reload.c):
 * only the deadline. A stop is the supervisor's, which kills the reader;
 * the reader keeps every other signal blocked.
 */
int
startup_reader(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal,
		.sa_flags = SA_SIGINFO };

	sigfillset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -1;
	return sig_set_mask(~((ksigset)1 << (SIGALRM - 1)));
}

/* Loading secrets from files must end within ms; 0 disarms. */
void
startup_deadline(long long ms)
{
	struct itimerval t = { 0 };

	snprintf(late, sizeof(late),
	    "cannot load secrets: reading took longer than %lld ms "
	    "(--hook-timeout)",
	    ms);
	t.it_value.tv_sec = ms / 1000;
	t.it_value.tv_usec = ms % 1000 * 1000;
	setitimer(ITIMER_REAL, &t, NULL);
}

/* A hook's process group runs (pgid > 0), is being started or cleaned up
 * after (pgid < 0), or neither (0). */
void
startup_hook(pid_t pgid)
{
	hook = pgid;
}

/* A stop that did not come as a signal to bosun (^C at a hook's prompt):
 * the first one counts. */
void
startup_stop(int sig)
{
	if (!stop_sig)
		stop_sig = sig;
}

/* The stop signal received while a hook ran, or 0. */
int
startup_stopped(void)
{
	return stop_sig;
}

/* A file for the termination message of a stop in the handler; -1: none.
 * It is closed when the command starts. */
void
startup_termlog(int fd)
{
	termlog_fd = fd;
}

/*
 * Just before the start: a signal that came during the start-up (a hook,
 * a read, --wait), other than those in keep, would reach the command the
 * moment it starts, before it can have a handler, and kill it (USR1, PIPE,
 * an ALRM from outside) or stop it (TSTP). It is dropped, and said at -v.
 */
void
startup_drop_pending(ksigset keep)
{
	siginfo_t si;
	char name[24];
	int sig;

	while ((sig = sig_take(~keep, &si)) > 0)
		log_info("dropping %s: it came before the command started",
		    sig_name(sig, name, sizeof(name)));
	if (alarm_from_outside)
		log_info("dropping SIGALRM: it came before the command "
		         "started");
	alarm_from_outside = 0;
}

/* Back to blocking everything: from here the supervisor handles signals,
 * and a child starts with the dispositions bosun inherited. */
int
startup_end(void)
{
	size_t i;

	if (sig_block_all(NULL) < 0)
		return -1;
	startup_deadline(0);
	if (termlog_fd >= 0)
		close(termlog_fd);
	termlog_fd = -1;
	for (i = 0; i < NHANDLED; i++)
		sigaction(handled[i], &saved[i], NULL);
	/* one that came after startup_drop_pending: pending again, for the
	 * supervisor to forward */
	if (alarm_from_outside)
		kill(getpid(), SIGALRM);
	return 0;
}

/* In a child forked during start-up: the inherited dispositions back. */
void
startup_child(void)
{
	size_t i;

	for (i = 0; i < NHANDLED; i++)
		sigaction(handled[i], &saved[i], NULL);
}
