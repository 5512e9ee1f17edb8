/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_CLOCK_H
#define BOSUN_CLOCK_H

#include <time.h>

/* Milliseconds on the monotonic clock: for deadlines, never for dates. */
static inline long long
clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
