/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_HOOKS_H
#define BOSUN_HOOKS_H

#include "secrets.h"
#include "signals.h"

/* How hooks are started. */
struct hook_ctl {
	ksigset mask;      /* the signal mask bosun inherited */
	int tty;           /* bosun holds the terminal's foreground */
	long long timeout; /* ms each hook may run (--hook-timeout) */
};

int hooks_run(
    struct secrets_ctx *x, const char *path, const struct hook_ctl *h);
int hooks_run_dir(
    struct secrets_ctx *x, const char *dir, const struct hook_ctl *h);

#endif
