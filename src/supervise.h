/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_SUPERVISE_H
#define BOSUN_SUPERVISE_H

#include <sys/types.h>

#include "signals.h"

struct cgroup;
struct why;

/* A set of exit codes 0..255 (--remap-exit: these become 0). */
struct exitset {
	unsigned char bit[32];
};

/* --on-change restart; any other value is a signal (0: none) */
#define SUPERVISE_RESTART (-1)

struct watch;

/*
 * --on-change: what restarting needs from main. reload starts reading
 * every source of the environment again in a child process and returns
 * its pid (-1 once it logged why: the command is kept); reloaded is told
 * how that child ended, and whether its result is still wanted: 0 when the
 * environment is ready (otherwise it logged why, if wanted); respawn
 * starts the command with it and returns its pid, or -1 with *code the
 * exit code of the failure (it logged why).
 */
struct restarter {
	pid_t (*reload)(void *arg);
	int (*reloaded)(void *arg, int wstatus, int wanted);
	pid_t (*respawn)(void *arg, int *code);
	void *arg;
};

/* What the supervisor is given; durations in milliseconds. */
struct supervisor {
	pid_t child;                  /* the command; 0 once reaped */
	int pid1;                     /* bosun is PID 1 of its pid namespace */
	int tty;                      /* the command was given the terminal */
	int process_group;            /* forward to the command's group */
	int warn_reap;                /* warn for each zombie not the command */
	const struct sigmap *rewrite; /* what each signal is forwarded as */
	long long kill_after;         /* after a stop was forwarded; -1 never */
	long long grace;              /* after the command exited */
	long long stop_delay;         /* the first stop signal is held */
	const struct exitset *remap;  /* exit codes that become 0 */
	struct cgroup *mem;           /* OOM counters to read; NULL none */
	struct why *why;              /* out: what happened; NULL */
	struct watch *watch;          /* NULL: nothing is watched */
	int on_change;                /* a signal, or SUPERVISE_RESTART */
	long long settle;             /* changes must stop this long */
	const struct restarter *restart;
};

int supervise(const struct supervisor *s);
int supervise_pause(int warn_reap);
int supervise_exit_code(const struct exitset *remap, int wstatus);

/* Inline, so that cli.c fills the set without linking the supervisor. */
static inline void
supervise_remap_add(struct exitset *remap, int code)
{
	remap->bit[code / 8] |= 1u << (code % 8);
}

static inline int
supervise_remapped(const struct exitset *remap, int code)
{
	return code >= 0 && code <= 255 &&
	    (remap->bit[code / 8] >> (code % 8) & 1);
}

#endif
