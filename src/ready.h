/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_READY_H
#define BOSUN_READY_H

#include <stddef.h>

#include "target.h"

/* --wait (retry until the timeout) and --probe (once each). */
struct ready {
	const struct target *targets;
	size_t n;
	long long timeout;          /* ms */
	int once;                   /* one attempt per target, no retry */
	const char *timeout_option; /* for messages: "--wait-timeout" */
};

int ready_wait(const struct ready *r, char *err, size_t len);

#endif
