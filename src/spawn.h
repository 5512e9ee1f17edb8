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

pid_t spawn_command(const struct spawn *sp, int *status_fd);
void spawn_outcome(pid_t pid, int *fd, int wait, int *code);
int spawn_exec(char **argv, char **envp);

#endif
