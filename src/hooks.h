/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_HOOKS_H
#define BOSUN_HOOKS_H

#include "cli.h"
#include "secrets.h"
#include "signals.h"

/* How hooks are started. */
struct hook_ctl {
	ksigset mask; /* the signal mask bosun inherited */
	int tty;      /* bosun holds the terminal's foreground */
};

int hooks_run(
    struct secrets_ctx *x, const struct config *c, const struct hook_ctl *h);

#endif
