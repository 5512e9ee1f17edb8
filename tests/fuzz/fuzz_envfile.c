// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the env-file parser (env-files and hook output).
 * Beyond not crashing: whatever it accepts must be a valid name with a
 * value exec can carry, one entry per name that the index finds (the
 * inherited environment has a duplicate), and a rejected input must leave
 * a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envlist.h"
#include "secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *inherited[] = { "PATH=/bin", "HOME=/root", "A=inherited",
		"A=duplicate", "NOT_A_VARIABLE", "B_FILE=/p", NULL };
	struct envlist env;
	struct secrets_ctx x;
	char err[512] = "";
	size_t i, j, n;
	int r;

	if (envlist_init(&env, inherited) < 0)
		return 0;
	x = (struct secrets_ctx){ &env, inherited, err, sizeof(err) };
	r = secrets_parse_envfile(&x, (const char *)data, size, "fuzz");
	if (r < 0 && err[0] == '\0')
		abort();
	for (i = 0; i < env.n; i++) {
		if (!strchr(env.v[i], '='))
			continue;
		n = strchr(env.v[i], '=') - env.v[i];
		if (!secrets_valid_name(env.v[i], n) ||
		    strlen(env.v[i]) + 1 > SECRETS_MAX_STRING)
			abort();
		/* one entry per name, and the index finds each */
		for (j = 0; j < i; j++)
			if (strncmp(env.v[j], env.v[i], n + 1) == 0)
				abort();
		if (env.n < 64) {
			char name[256];

			memcpy(name, env.v[i], n);
			name[n] = '\0';
			if (envlist_get(&env, name) != env.v[i] + n + 1)
				abort();
		}
	}
	if (env.ndups != 1 || strcmp(env.dups[0], "A") != 0)
		abort();
	envlist_free(&env);
	return 0;
}
