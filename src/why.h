/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_WHY_H
#define BOSUN_WHY_H

#include <stddef.h>

/* Kubernetes reads at most this many bytes of a termination message. */
#define WHY_MAX 4096

/* What bosun knows about the end of its command; durations in ms. */
struct why {
	const char *not_started; /* bosun's error before the command ran */
	int wstatus;             /* the command's wait status */
	int stop_sig;            /* a stop signal from outside, 0 if none */
	int stop_as;             /* what it was forwarded as (--rewrite) */
	long long stop_ms;       /* from that signal to the command's end */
	int kill_after_fired;    /* --kill-after ran out while it lived */
	long long kill_after;
	int oom;            /* the OOM killer killed the command */
	long long mem_max;  /* memory.max in bytes; -1 none or unknown */
	long long mem_peak; /* memory.peak in bytes; -1 unknown */
	size_t leftovers;   /* others SIGKILLed after the command exited */
	int leftovers_by;   /* WHY_GRACE or WHY_KILL_AFTER */
	long long grace;    /* --grace, or --kill-after for WHY_KILL_AFTER */
};

enum { WHY_GRACE = 0, WHY_KILL_AFTER = 1 };

int why_message(const struct why *w, char *buf, size_t len);
void why_bytes(long long bytes, char *buf, size_t len);
void why_duration(long long ms, char *buf, size_t len);
size_t why_clip(const char *s, size_t n, size_t max);

#endif
