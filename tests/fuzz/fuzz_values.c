// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: durations, signal names and rewrite specs. Checks
 * the ranges promised: durations within 0..24h, signals within 0..64.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "signals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256], name[32];
	struct sigmap m;
	long long ms;
	int sig, i;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cli_duration(s, &ms) == 0 && (ms < 0 || ms > CLI_DURATION_MAX))
		abort();
	sig = sig_parse(s);
	if (sig < -1 || sig > SIG_MAX)
		abort();
	if (sig > 0)
		sig_name(sig, name, sizeof(name));
	sig_map_init(&m);
	if (sig_map_add(&m, s, err, sizeof(err)) == 0)
		for (i = 0; i <= SIG_MAX; i++)
			if (m.to[i] > SIG_MAX)
				abort();
	free(s);
	return 0;
}
