/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_SUPERVISE_H
#define BOSUN_SUPERVISE_H

#include <sys/types.h>

#include "cli.h"

struct supervisor {
	const struct config *cfg;
	pid_t child; /* the command; 0 once reaped */
	int pid1;    /* bosun is PID 1 of its pid namespace */
	int tty;     /* the command was given the terminal */
};

int supervise(const struct supervisor *s);
int supervise_exit_code(const struct config *c, int wstatus);

#endif
