// SPDX-License-Identifier: MIT
/*
 * supervise: the loop that runs while the command lives and until every
 * other process is gone. It owns three deadlines (stop-delay, kill-after,
 * grace); a timeout is passed to the wait only while one is pending, so an
 * idle bosun sleeps in rt_sigtimedwait with no wake-ups at all.
 *
 * Phases: RUNNING (the command lives; signals are forwarded), DRAINING
 * (the command exited; the rest got the stop signal and has until the
 * grace deadline), KILLING (SIGKILL to whatever is left, until nothing is).
 * The stop signal of the drain is SIGTERM, or the one a stop was forwarded
 * as (-r TERM:QUIT): leftovers of a graceful stop get the same stop.
 *
 * Nothing in here may end bosun: every failure is logged and survived.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "clock.h"
#include "log.h"
#include "procs.h"
#include "supervise.h"
#include "watch.h"
#include "why.h"

#define NEVER INT64_MAX

/*
 * SIGKILL cannot be survived, and kill(-1) is atomic with fork (the kernel
 * fails a fork whose parent has a fatal signal pending): one SIGKILL
 * reaches every process there is. The kill phase sends it once, then only
 * reaps; only if this long passes with children left (a process that
 * entered the namespace since, say) does it send another.
 */
#define REKILL_MS 1000

/* changes that go on act at the latest this many settle times after the
 * first one */
#define SETTLE_MAX 10

/* a restart's stop when --kill-after is not set (ms) */
#define RESTART_KILL_AFTER 10000

/* A restart (--on-change restart): the sources are being read again; the
 * command got its stop signal; it exited; the rest got the stop signal;
 * the rest got SIGKILL. */
enum restart { NO_RESTART, READING, STOPPING, EXITED, LEFTOVERS, KILLING_REST };

enum phase { RUNNING, DRAINING, KILLING };

struct state {
	const struct supervisor *s;
	enum phase phase;
	pid_t child;
	int status;      /* bosun's exit code once the command exited */
	int children;    /* waitpid says children remain */
	int stop_seen;   /* a stop signal arrived */
	int held;        /* the stop signal held by --stop-delay */
	int job_stopped; /* bosun stopped itself to mirror the job */
	int drained;     /* stop_leftovers() has run */
	int stop_sig;    /* a stop signal as forwarded (or held), 0 if none */
	int own_proc;    /* /proc is our pid namespace's (not PID 1 only) */
	pid_t proc_self; /* our pid in a foreign /proc, 0 if not there */
	int64_t stopped_at;   /* when the first stop signal came */
	int killing_by;       /* WHY_GRACE or WHY_KILL_AFTER */
	int sigkill_seen;     /* SIGCHLD told of a death by SIGKILL */
	pid_t victim;         /* a death by SIGKILL seen before its reaping */
	char victim_comm[24]; /* its name, "" if unknown */
	int kill_failed;      /* the last SIGKILL round found nothing to kill */
	int64_t stop_at, kill_at, grace_at, rekill_at;
	/* --on-change */
	int64_t change_at;    /* the watched paths are quiet from then on */
	int64_t changing_at;  /* the first change not acted on yet */
	int changed_again;    /* a change settled during a restart */
	enum restart restart; /* where a restart is */
	int restart_sig;      /* the command's stop signal */
	int64_t restart_at;   /* the restart's kill-after, then its grace */
	pid_t reader;         /* the process reading the sources again */
};

/* 128+N for a death by signal N; remapped codes become 0. */
int
supervise_exit_code(const struct exitset *remap, int wstatus)
{
	int code;

	if (WIFEXITED(wstatus))
		code = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		code = 128 + WTERMSIG(wstatus);
	else
		code = 255;
	return supervise_remapped(remap, code) ? 0 : code;
}

static const char *
signame(int sig)
{
	static char buf[24];

	return sig_name(sig, buf, sizeof(buf));
}

/*
 * Not PID 1: whether /proc can show our descendants. Said once, here: a
 * foreign /proc limits every later round to our own children.
 */
static void
check_proc(struct state *st)
{
	if (st->s->pid1)
		return;
	st->own_proc = procs_own(&st->proc_self) == 0;
	if (st->own_proc)
		return;
	if (errno == EXDEV)
		log_warn("/proc belongs to another pid namespace: only "
		         "bosun's own children will be signalled on shutdown");
	else
		log_warn("cannot list processes in /proc (%s): only the "
		         "command will be signalled on shutdown",
		    strerror(errno));
}

/*
 * Sends sig to every process left: the namespace, or our descendants.
 * Returns -1 when they cannot be found (no usable /proc outside PID 1).
 */
static int
signal_all(const struct state *st, int sig)
{
	size_t found;

	if (st->s->pid1) {
		if (kill(-1, sig) < 0 && errno != ESRCH)
			log_warn("cannot send %s to all processes: %s",
			    signame(sig), strerror(errno));
		else
			log_debug("sent %s to every process", signame(sig));
		return 0;
	}
	if (st->own_proc) {
		if (procs_signal_descendants(sig, &found) == 0) {
			log_debug(
			    "sent %s to %zu processes", signame(sig), found);
			return 0;
		}
		log_warn("cannot list processes to send %s: %s", signame(sig),
		    strerror(errno));
	} else if (st->proc_self > 0 &&
	    procs_signal_children(st->proc_self, sig, &found) == 0) {
		log_debug("sent %s to %zu children", signame(sig), found);
		return 0;
	}
	/* still reach the command itself: unreaped, its pid is its own */
	if (st->child > 0)
		kill(st->child, sig);
	return -1;
}

/*
 * The command, or its process group with --process-group. A sigqueue
 * payload goes on with the signal (sig_send), except to a group.
 */
static void
forward(struct state *st, int sig, const siginfo_t *got)
{
	pid_t target = st->s->process_group ? -st->child : st->child;

	if (st->child <= 0)
		return;
	log_info_with(&((struct log_fields){ .pid = st->child, .signal = sig }),
	    "forwarding %s to %s %d", signame(sig),
	    st->s->process_group ? "group" : "pid", (int)st->child);
	if (sig_send(target, sig, got) < 0 && errno != ESRCH)
		log_warn(
		    "cannot forward %s: %s", signame(sig), strerror(errno));
}

/* SIGKILL to everything, once; again only after REKILL_MS (kill_again). */
static void
start_killing(struct state *st, const char *why)
{
	log_info("%s: sending SIGKILL to what is left", why);
	st->phase = KILLING;
	st->kill_failed = signal_all(st, SIGKILL) < 0;
	st->rekill_at = clock_now_ms() + REKILL_MS;
}

/* REKILL_MS passed in the kill phase and children are left. */
static void
kill_again(struct state *st)
{
	log_debug(
	    "processes left %d ms after SIGKILL: SIGKILL again", REKILL_MS);
	st->kill_failed = signal_all(st, SIGKILL) < 0;
	st->rekill_at = clock_now_ms() + REKILL_MS;
}

static void
forward_stop(struct state *st, int sig, const siginfo_t *got)
{
	forward(st, sig, got);
	if (st->s->kill_after >= 0 && st->kill_at == NEVER)
		st->kill_at = clock_now_ms() + st->s->kill_after;
}

/* The command exited: record its status; stop_leftovers() does the rest. */
static int restart_exited(struct state *st, int wstatus);
static void read_again(struct state *st, int wstatus);

static void
command_exited(struct state *st, int wstatus)
{
	if (restart_exited(st, wstatus))
		return;
	st->status = supervise_exit_code(st->s->remap, wstatus);
	log_info_with(
	    &((struct log_fields){
	        .pid = st->child, .status = st->status, .has_status = 1 }),
	    "command exited with status %d", st->status);
	if (st->s->why) {
		st->s->why->wstatus = wstatus;
		if (st->stopped_at)
			st->s->why->stop_ms = clock_now_ms() - st->stopped_at;
	}
	st->child = 0;
	if (st->s->tty)
		tcsetpgrp(STDIN_FILENO, getpgrp());
	if (st->phase == RUNNING)
		st->phase = DRAINING;
}

/*
 * Once, after the command exited and if anything is left: the stop signal
 * (SIGTERM, or the stop as it was forwarded) to all of it.
 */
static void
stop_leftovers(struct state *st)
{
	int sig = st->stop_sig ? st->stop_sig : SIGTERM;

	st->drained = 1;
	if (st->phase != DRAINING || !st->children)
		return;
	if (st->s->grace == 0) {
		start_killing(st, "no grace");
		return;
	}
	log_info("sending %s to what is left; grace %lld ms", signame(sig),
	    st->s->grace);
	signal_all(st, sig);
	/* a stopped process cannot act on SIGTERM until continued */
	signal_all(st, SIGCONT);
	st->grace_at = clock_now_ms() + st->s->grace;
}

/*
 * A job-control stop of the command (^Z) while bosun runs under a shell:
 * take the terminal back and stop bosun too, so the shell sees its job
 * stop. Continued, bosun hands the terminal back (unless the shell
 * continued it in the background) and continues the command's group.
 */
static void
mirror_stop(struct state *st, int sig)
{
	if (st->s->pid1 || !st->s->tty || st->phase != RUNNING)
		return;
	if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		return;
	log_debug("command stopped by %s; stopping too", signame(sig));
	tcsetpgrp(STDIN_FILENO, getpgrp());
	st->job_stopped = 1;
	kill(getpid(), SIGSTOP);
}

static void
continue_job(struct state *st)
{
	st->job_stopped = 0;
	if (tcgetpgrp(STDIN_FILENO) == getpgrp())
		tcsetpgrp(STDIN_FILENO, st->child);
	if (kill(-st->child, SIGCONT) < 0)
		log_warn("cannot continue the command: %s", strerror(errno));
}

/* The first stop signal from outside, for the termination message. */
static void
note_stop(struct state *st, int sig, int to)
{
	st->stopped_at = clock_now_ms();
	if (!st->s->why)
		return;
	st->s->why->stop_sig = sig;
	st->s->why->stop_as = to;
}

static void
note_kill_after(struct state *st)
{
	st->killing_by = WHY_KILL_AFTER;
	if (st->s->why && st->child > 0)
		st->s->why->kill_after_fired = 1;
}

/* -v (or tini's -w): every process reaped that was not the command, and
 * how it ended; those SIGKILLed after the command exited are counted. */
static void
reaped_other(struct state *st, pid_t pid, int wstatus)
{
	struct log_fields f = { .pid = pid };
	char how[40];

	if (WIFSIGNALED(wstatus)) {
		f.signal = WTERMSIG(wstatus);
		snprintf(how, sizeof(how), "killed by %s", signame(f.signal));
		if (st->phase == KILLING && f.signal == SIGKILL && st->s->why) {
			st->s->why->leftovers++;
			st->s->why->leftovers_by = st->killing_by;
		}
	} else {
		f.status = WEXITSTATUS(wstatus);
		f.has_status = 1;
		snprintf(how, sizeof(how), "exited %d", f.status);
	}
	/* tini's -w makes it a warning */
	if (st->s->warn_reap)
		log_warn_with(&f, "reaped zombie %d (%s)", (int)pid, how);
	else
		log_info_with(&f, "reaped pid %d: %s", (int)pid, how);
}

/*
 * With OOM counters to read: a death by SIGKILL not reaped yet is looked
 * at (WNOWAIT) while its name is still in /proc, to name an OOM victim.
 */
static void
peek_victim(struct state *st)
{
	siginfo_t si = { 0 };
	char path[40];
	ssize_t n;
	int fd;

	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
	    si.si_pid <= 0 || si.si_code != CLD_KILLED ||
	    si.si_status != SIGKILL || si.si_pid == st->victim)
		return;
	st->victim = si.si_pid;
	st->victim_comm[0] = '\0';
	/* a foreign /proc has other pids */
	if (!st->s->pid1 && !st->own_proc)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)si.si_pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, st->victim_comm, sizeof(st->victim_comm) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	while (n > 0 && st->victim_comm[n - 1] == '\n')
		n--;
	st->victim_comm[n] = '\0';
}

/* A death by SIGKILL: did the OOM killer do it? (memory.events rose) */
static void
check_oom(struct state *st, pid_t pid, int wstatus)
{
	struct log_fields f = { .pid = pid, .signal = SIGKILL };
	char lim[96] = "", a[32], b[32];
	long long max, peak;
	int rose;

	if (!st->s->mem || cgroup_oom_rose(st->s->mem, &rose) < 0 || !rose)
		return;
	cgroup_memory(st->s->mem, &max, &peak);
	if (max >= 0)
		why_bytes(max, a, sizeof(a));
	if (peak >= 0)
		why_bytes(peak, b, sizeof(b));
	if (max >= 0 && peak >= 0)
		snprintf(lim, sizeof(lim), " (memory.max %s, peak %s)", a, b);
	else if (max >= 0 || peak >= 0)
		snprintf(lim, sizeof(lim), " (%s %s)",
		    max >= 0 ? "memory.max" : "peak", max >= 0 ? a : b);
	if (pid == st->s->child) {
		log_warn_with(
		    &f, "the command was killed by the OOM killer%s", lim);
		if (st->s->why) {
			st->s->why->oom = 1;
			st->s->why->mem_max = max;
			st->s->why->mem_peak = peak;
		}
		return;
	}
	f.name =
	    pid == st->victim && st->victim_comm[0] ? st->victim_comm : NULL;
	log_warn_with(&f, "process %d%s%s%s was killed by the OOM killer%s",
	    (int)pid, f.name ? " (" : "", f.name ? f.name : "",
	    f.name ? ")" : "", lim);
}

/* Reaps every child that has changed state; notes the command's end. */
static void
reap(struct state *st)
{
	int wstatus, flags = WNOHANG;
	pid_t pid;

	if (!st->s->pid1 && st->s->tty)
		flags |= WUNTRACED;
	for (;;) {
		/* only when SIGCHLD told of a SIGKILL not of ours: the
		 * reaping of everything else pays nothing for it */
		if (st->s->mem && st->sigkill_seen && st->phase != KILLING)
			peek_victim(st);
		pid = waitpid(-1, &wstatus, flags);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0) {
			st->children = pid == 0;
			return;
		}
		if (WIFSTOPPED(wstatus)) {
			if (pid == st->child)
				mirror_stop(st, WSTOPSIG(wstatus));
			continue;
		}
		if (pid == st->child) {
			command_exited(st, wstatus);
		} else if (pid == st->reader) {
			read_again(st, wstatus);
			continue;
		} else {
			reaped_other(st, pid, wstatus);
		}
		if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL &&
		    st->phase != KILLING)
			check_oom(st, pid, wstatus);
	}
}

/*
 * --on-change. A change restarts the settle time; once it passed, the
 * command gets the signal, or is restarted: every source is read again
 * first (a failure keeps the command), then the command gets its stop
 * signal (SIGKILL after --kill-after, or 10 s), what it left is stopped
 * as on exit, and it starts again. A stop signal meanwhile wins: no new
 * start, and bosun ends as it always does.
 */

/* The watch's signal, or the same signal from outside: both read every
 * pending event (a standard signal pending from outside hides the
 * kernel's). Returns 1 when it was the watch's own. */
static int
watched(struct state *st, const siginfo_t *got)
{
	const struct supervisor *s = st->s;
	char what[512] = "";
	int changed = 0, own;
	int64_t now;

	if (!s->watch)
		return 0;
	own = watch_is_event(s->watch, got);
	if (watch_read(s->watch, what, sizeof(what), &changed) < 0)
		log_warn("cannot read the watched paths' changes: %s",
		    strerror(errno));
	if (!changed)
		return own;
	now = clock_now_ms();
	if (st->change_at == NEVER) {
		log_info("%s", what);
		st->changing_at = now;
	} else {
		log_debug("%s", what);
	}
	/* quiet for the settle time, or at the latest SETTLE_MAX times it
	 * after the first change: changes that never stop delay no more */
	st->change_at = now + s->settle;
	if (st->change_at > st->changing_at + SETTLE_MAX * s->settle)
		st->change_at = st->changing_at + SETTLE_MAX * s->settle;
	return own;
}

/* SIG to what the command left (as on exit, but never to processes that
 * are not bosun's descendants: a `docker exec` shell lives on). */
static void
restart_signal(struct state *st, int sig)
{
	size_t found;
	pid_t self;

	if (procs_own(&self) == 0) {
		if (procs_signal_descendants(sig, &found) == 0)
			return;
	} else if (self > 0 && procs_signal_children(self, sig, &found) == 0) {
		return;
	}
	signal_all(st, sig);
}

/* The sources are to be read again: by a child process, the reader, so
 * that the supervisor goes on meanwhile (a hook may take its time). */
static void
restart_begin(struct state *st)
{
	pid_t pid = st->s->restart->reload(st->s->restart->arg);

	if (pid < 0)
		return;
	log_debug("reading the sources again (pid %d)", (int)pid);
	st->reader = pid;
	st->restart = READING;
}

/* A restart abandoned while the reader runs (bosun stops): its result is
 * not wanted, and a hook it runs is stopped with the rest. */
static void
stop_reading(struct state *st)
{
	if (st->reader && st->restart == READING)
		kill(st->reader, SIGKILL);
}

/* Whether pid has exited (and is not reaped yet). */
static int
exited(pid_t pid)
{
	siginfo_t si = { 0 };

	return waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == pid;
}

/* The reader ended: with the new environment, the command gets its stop
 * signal (SIGKILL after --kill-after, or 10 s); else it is kept. */
static void
read_again(struct state *st, int wstatus)
{
	const struct supervisor *s = st->s;
	int sig = s->rewrite->to[SIGTERM] ? s->rewrite->to[SIGTERM] : SIGTERM;
	/* not when the command exited by itself meanwhile, its SIGCHLD not
	 * taken yet: that is its end, and reap() collects it next */
	int wanted = st->restart == READING && st->phase == RUNNING &&
	    !st->stop_seen && st->child && !exited(st->child);

	st->reader = 0;
	if (s->restart->reloaded(s->restart->arg, wstatus, wanted) < 0) {
		if (st->restart != READING)
			return;
		st->restart = NO_RESTART;
		if (st->changed_again) {
			/* a later change may have mended it */
			st->changed_again = 0;
			st->change_at = clock_now_ms();
		}
		return;
	}
	log_info("restarting the command: sending %s", signame(sig));
	st->restart = STOPPING;
	st->restart_sig = sig;
	forward(st, sig, NULL);
	st->restart_at = clock_now_ms() +
	    (s->kill_after >= 0 ? s->kill_after : RESTART_KILL_AFTER);
}

/* The changes have settled. */
static void
act_on_change(struct state *st)
{
	const struct supervisor *s = st->s;
	int to;

	if (st->restart != NO_RESTART) {
		st->changed_again = 1;
		return;
	}
	if (st->phase != RUNNING || st->stop_seen || !st->child) {
		log_debug("not acting on the change: stopping");
		return;
	}
	if (s->on_change == SUPERVISE_RESTART) {
		restart_begin(st);
		return;
	}
	to = s->rewrite->to[s->on_change];
	if (!to) {
		log_info("dropping %s (--rewrite)", signame(s->on_change));
		return;
	}
	log_info("sending %s to the command", signame(to));
	forward(st, to, NULL);
}

/* The command exited because of a restart: 1, else 0 (command_exited). */
static int
restart_exited(struct state *st, int wstatus)
{
	if (st->restart != STOPPING || st->stop_seen)
		return 0;
	st->status = supervise_exit_code(st->s->remap, wstatus);
	log_info("command exited with status %d; restarting", st->status);
	st->child = 0;
	if (st->s->tty)
		tcsetpgrp(STDIN_FILENO, getpgrp());
	st->restart = EXITED;
	st->restart_at = NEVER;
	return 1;
}

static void
respawn(struct state *st)
{
	const struct restarter *r = st->s->restart;
	int code;
	pid_t pid;

	st->restart = NO_RESTART;
	pid = r->respawn(r->arg, &code);
	if (pid < 0) {
		/* as if the command had exited with it */
		st->status = code;
		st->phase = DRAINING;
		return;
	}
	st->child = pid;
	if (st->changed_again) {
		st->changed_again = 0;
		st->change_at = clock_now_ms();
	}
}

/* After each reap while restarting: leftovers, then the new start. */
static void
restart_continue(struct state *st)
{
	if (st->phase != RUNNING || st->stop_seen) {
		/* the command exited as it does on a stop: end as on exit */
		if (st->restart >= EXITED && st->phase == RUNNING)
			st->phase = DRAINING;
		stop_reading(st);
		st->restart = NO_RESTART;
		st->restart_at = NEVER;
		return;
	}
	if (st->restart == READING || st->restart == STOPPING)
		return;
	if (!st->children) {
		st->restart_at = NEVER;
		respawn(st);
		return;
	}
	if (st->restart == EXITED && st->s->grace > 0) {
		log_info("sending %s to what is left; grace %lld ms",
		    signame(st->restart_sig), st->s->grace);
		restart_signal(st, st->restart_sig);
		restart_signal(st, SIGCONT);
		st->restart = LEFTOVERS;
		st->restart_at = clock_now_ms() + st->s->grace;
	} else if (st->restart == EXITED) {
		st->restart = KILLING_REST;
	}
	if (st->restart == KILLING_REST)
		restart_signal(st, SIGKILL);
}

/* The settle time and the restart's deadlines. */
static void
check_watch_deadlines(struct state *st)
{
	int64_t now;

	if (st->change_at == NEVER && st->restart_at == NEVER)
		return;
	now = clock_now_ms();
	if (st->change_at <= now) {
		st->change_at = NEVER;
		act_on_change(st);
	}
	if (st->restart_at <= now) {
		st->restart_at = NEVER;
		if (st->restart == STOPPING) {
			log_info("the command did not stop: SIGKILL");
			forward(st, SIGKILL, NULL);
		} else if (st->restart == LEFTOVERS) {
			log_info("grace expired: SIGKILL to what is left");
			st->restart = KILLING_REST;
			restart_signal(st, SIGKILL);
		}
	}
}

static void
handle_signal(struct state *st, int sig, const siginfo_t *got)
{
	int to;

	if (sig == SIGCHLD || (sig == WATCH_SIGNAL && watched(st, got)))
		return;
	if (st->phase != RUNNING) {
		log_debug("ignoring %s: the command has exited", signame(sig));
		return;
	}
	if (sig == SIGCONT && st->job_stopped) {
		continue_job(st);
		return;
	}
	to = st->s->rewrite->to[sig];
	if (to == 0) {
		log_debug("dropping %s", signame(sig));
		return;
	}
	if (!sig_is_stop(sig)) {
		forward(st, to, got);
		return;
	}
	if (!st->stop_sig) {
		st->stop_sig = to;
		note_stop(st, sig, to);
	}
	if (!st->stop_seen && st->s->stop_delay > 0) {
		st->stop_seen = 1;
		log_info(
		    "holding %s for %lld ms", signame(sig), st->s->stop_delay);
		st->held = to;
		st->stop_at = clock_now_ms() + st->s->stop_delay;
		return;
	}
	st->stop_seen = 1;
	if (st->held)
		return; /* merged into the one being held */
	forward_stop(st, to, got);
}

static void
check_deadlines(struct state *st)
{
	int64_t now;

	if (st->stop_at == NEVER && st->kill_at == NEVER &&
	    st->grace_at == NEVER && st->rekill_at == NEVER)
		return;
	now = clock_now_ms();
	if (st->stop_at <= now) {
		st->stop_at = NEVER;
		if (st->phase == RUNNING)
			forward_stop(st, st->held, NULL);
		st->held = 0;
	}
	if (st->kill_at <= now) {
		st->kill_at = NEVER;
		if (st->phase != KILLING) {
			note_kill_after(st);
			start_killing(st, "--kill-after expired");
		}
	}
	if (st->grace_at <= now) {
		st->grace_at = NEVER;
		if (st->phase == DRAINING)
			start_killing(st, "grace expired");
	}
	if (st->rekill_at <= now) {
		st->rekill_at = NEVER;
		if (st->phase == KILLING && st->children)
			kill_again(st);
	}
}

static int64_t
next_deadline(const struct state *st)
{
	int64_t d = st->stop_at;

	if (st->kill_at < d)
		d = st->kill_at;
	if (st->grace_at < d)
		d = st->grace_at;
	if (st->rekill_at < d)
		d = st->rekill_at;
	return d;
}

/* Runs until the command and every other child are gone; returns the
 * exit code for bosun. */
int
supervise(const struct supervisor *s)
{
	struct state st = {
		.s = s,
		.phase = RUNNING,
		.child = s->child,
		.children = 1,
		.stop_at = NEVER,
		.kill_at = NEVER,
		.grace_at = NEVER,
		.rekill_at = NEVER,
		.change_at = NEVER,
		.restart_at = NEVER,
	};
	struct timespec ts;
	siginfo_t info;
	int64_t d, left;
	int sig, reap_due = 1;

	check_proc(&st);
	/* From here on bosun never exits early: log, survive, go on. */
	for (;;) {
		/* the first pass reaps whatever ended before the loop began */
		if (reap_due)
			reap(&st);
		if (st.restart != NO_RESTART)
			restart_continue(&st);
		if (st.phase == DRAINING && !st.drained)
			stop_leftovers(&st);
		if (st.phase == KILLING && st.children && st.kill_failed &&
		    !st.child) {
			/* nothing could be found to kill: waiting for it
			 * would never end, so leave it to the init above */
			log_error("leaving processes that cannot be found; "
			          "exiting with %d",
			    st.status);
			return st.status;
		}
		if (st.phase != RUNNING && !st.children)
			break;

		d = next_deadline(&st);
		if (st.change_at < d)
			d = st.change_at;
		if (st.restart_at < d)
			d = st.restart_at;
		if (d == NEVER) {
			sig = sig_wait(NULL, &info);
		} else {
			left = d - clock_now_ms();
			if (left < 0)
				left = 0;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = left % 1000 * 1000000;
			sig = sig_wait(&ts, &info);
		}
		if (sig == SIGCHLD)
			st.sigkill_seen = info.si_code == CLD_KILLED &&
			    info.si_status == SIGKILL;
		/*
		 * Only a SIGCHLD says a child changed state. It is one pending
		 * bit: taking it stands for every change before it, all of
		 * which reap() collects, and a change after that sets it
		 * again for the next wait. A timeout or an error reaps too.
		 * Other signals (a forwarding storm) cost no wait4.
		 */
		reap_due = sig <= 0 || sig == SIGCHLD;
		if (sig < 0)
			log_warn("waiting for signals: %s", strerror(errno));
		else if (sig > 0)
			handle_signal(&st, sig, &info);
		check_deadlines(&st);
		check_watch_deadlines(&st);
	}
	log_info("all processes gone; exiting with %d", st.status);
	return st.status;
}

/*
 * --pause: no command (Podman runs its init so for a pod's infra
 * container). Sleeps in the wait with no timeout, so with no wake-ups;
 * reaps whatever it adopts; SIGTERM or SIGINT end it with 0, any other
 * signal is ignored. Nothing in here may end bosun early either.
 */
int
supervise_pause(int warn_reap)
{
	const struct supervisor s = { .pid1 = getpid() == 1,
		.warn_reap = warn_reap };
	struct state st = { .s = &s, .phase = RUNNING };
	siginfo_t info;
	int sig;

	log_info("pausing: no command; SIGTERM or SIGINT ends bosun");
	for (;;) {
		reap(&st);
		sig = sig_wait(NULL, &info);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig < 0)
			log_warn("waiting for signals: %s", strerror(errno));
		else if (sig > 0 && sig != SIGCHLD)
			log_debug("ignoring %s while pausing", signame(sig));
	}
	log_info("%s: exiting with 0", signame(sig));
	return 0;
}
