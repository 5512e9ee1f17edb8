/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_CLI_H
#define BOSUN_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "signals.h"

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION };

/* A list of strings the config owns. */
struct strlist {
	char **v;
	size_t n;
};

/* Everything bosun was asked to do; durations in milliseconds. */
struct config {
	enum cli_action action;
	char **argv; /* the command, NULL-terminated */
	int process_group;
	struct sigmap rewrite;
	long long kill_after; /* -1: never */
	long long grace;
	long long stop_delay;
	unsigned char remap[32]; /* bit set of exit codes mapped to 0 */
	int pdeathsig;           /* 0: none */
	int verbose;
	/* where the command's environment comes from (secrets.c, hooks.c) */
	struct strlist secrets; /* NAME=SOURCE */
	struct strlist secrets_dirs;
	struct strlist file_env; /* names or patterns: NAME_FILE sets NAME */
	struct strlist env_files;
	struct strlist hooks;
	char *hooks_dir;
	long long hook_timeout;
	/* privileges (userdb.c, privdrop.c, filter.c) */
	char *user; /* USER[:GROUP] */
	int caps_given;
	uint64_t caps;
	int allow_new_privs;
	int seccomp_baseline;
	char *seccomp_deny; /* comma-separated system calls */
};

#define CLI_DURATION_MAX (24LL * 3600 * 1000)

extern const char cli_help[];
extern const char cli_version[];

int cli_parse(struct config *c, int argc, char **argv, char *const *envp,
    char *err, size_t len);
int cli_duration(const char *s, long long *ms);
int cli_remapped(const struct config *c, int code);
void cli_free(struct config *c);

#endif
