/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_HOOKS_H
#define BOSUN_HOOKS_H

#include "cli.h"
#include "secrets.h"
#include "signals.h"

int hooks_run(struct secrets_ctx *x, const struct config *c, ksigset mask);

#endif
