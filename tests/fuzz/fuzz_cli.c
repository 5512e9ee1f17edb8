// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the command line and BOSUN_* variables. The input is
 * split at NUL bytes; words up to an empty one are argv, the rest the
 * environment. A rejected input must leave a message; an accepted one
 * must name a command (none with --pause).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "filter.h"
#include "privdrop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p, *end, *argv[64], *envp[64];
	int argc = 0, envc = 0, in_env = 0, r;
	const struct cli_checks checks = { privdrop_parse_caps,
		filter_check_syscalls };
	struct config c;
	char err[512] = "";

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "bosun";
	for (p = buf, end = buf + size; p <= end && argc < 63 && envc < 63;
	    p += strlen(p) + 1) {
		if (*p == '\0' && !in_env) {
			in_env = 1;
			continue;
		}
		if (in_env)
			envp[envc++] = p;
		else
			argv[argc++] = p;
	}
	argv[argc] = NULL;
	envp[envc] = NULL;
	r = cli_parse(&c, argc, argv, envp, &checks, err, sizeof(err));
	if (r < 0 && err[0] == '\0')
		abort();
	/* a command, except with --pause, which takes none */
	if (r == 0 && c.action == CLI_RUN &&
	    (c.pause ? c.argv != NULL : !c.argv || !c.argv[0]))
		abort();
	cli_free(&c);
	free(buf);
	return 0;
}
