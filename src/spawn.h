/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_SPAWN_H
#define BOSUN_SPAWN_H

#include <signal.h>
#include <sys/types.h>

#include "privdrop.h"
#include "signals.h"

/* What the child needs to become the command. */
struct spawn {
	char **argv;
	char **envp;
	ksigset mask;                /* the mask bosun inherited */
	struct sigaction sigchld;    /* SIGCHLD's inherited disposition */
	int tty;                     /* take the terminal's foreground */
	const struct privdrop *priv; /* NULL: privileges unchanged */
	void *filter;                /* seccomp filter, or NULL */
};

/* What every child bosun starts sets up first (spawn_child_setup). */
struct child_setup {
	ksigset mask;                    /* the mask bosun inherited */
	int tty;                         /* take the terminal's foreground */
	const struct sigaction *sigchld; /* NULL: leave SIGCHLD as it is */
};

int spawn_child_setup(const struct child_setup *cs);
int spawn_exec_status(int err);
pid_t spawn_command(const struct spawn *sp, int *status_fd);
void spawn_outcome(pid_t pid, int *fd, int wait, int *code);
int spawn_exec(char **argv, char **envp);

#endif
