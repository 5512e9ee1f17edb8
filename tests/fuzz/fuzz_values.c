// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: durations, signal names and rewrite specs, capability
 * lists and secret names. Checks the ranges promised: durations within
 * 0..24h, signals within 0..64, a valid name only of [A-Za-z_][A-Za-z0-9_]*.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "privdrop.h"
#include "secrets.h"
#include "signals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256] = "", name[32];
	struct sigmap m;
	long long ms;
	uint64_t caps = 0;
	size_t k;
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
	if (privdrop_parse_caps(s, &caps, err, sizeof(err)) < 0 && !err[0])
		abort();
	if (secrets_valid_name(s, size)) {
		if (size == 0 || (s[0] >= '0' && s[0] <= '9'))
			abort();
		for (k = 0; k < size; k++)
			if (!(s[k] == '_' || (s[k] >= 'A' && s[k] <= 'Z') ||
				(s[k] >= 'a' && s[k] <= 'z') ||
				(s[k] >= '0' && s[k] <= '9')))
				abort();
	}
	free(s);
	return 0;
}
