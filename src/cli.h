/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_CLI_H
#define BOSUN_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "signals.h"
#include "sources.h"
#include "strlist.h"
#include "supervise.h"

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_LICENSE, CLI_PROBE };

/*
 * Checks that need a library: capability names (privdrop.c, libcap) and
 * system call names (filter.c, libseccomp). main passes them in, so that
 * the parser links neither; a NULL check accepts anything.
 */
struct cli_checks {
	int (*caps)(const char *list, uint64_t *caps, char *err, size_t len);
	int (*syscalls)(const char *list, char *err, size_t len);
};

/* Everything bosun was asked to do; durations in milliseconds. Known to
 * cli.c and main.c only: main hands each module the part it needs. */
struct config {
	enum cli_action action;
	char **argv; /* the command, NULL-terminated; NULL with pause */
	int pause;   /* no command: sleep and reap (catatonit -P) */
	int verbose;
	int subreaper;         /* tini's -s: accepted, always so */
	int log_format;        /* LOG_FORMAT_TEXT or LOG_FORMAT_JSON */
	char *termination_log; /* NULL: the default; "off": none */
	int pdeathsig;         /* 0: none */
	/* the supervisor's (struct supervisor) */
	int process_group;
	int warn_reap;
	struct sigmap rewrite;
	long long kill_after; /* -1: never */
	long long grace;
	long long stop_delay;
	struct exitset remap;
	/* --on-change: a signal, SUPERVISE_RESTART, or 0 (watch.c) */
	int on_change;
	struct strlist watch; /* --watch PATH */
	long long watch_settle;
	/* where the command's environment comes from (sources.c) */
	struct sources sources;
	/* privileges (userdb.c, privdrop.c, filter.c) */
	char *user; /* USER[:GROUP] */
	struct cli_caps {
		int given;
		uint64_t set; /* bit n: capability n */
	} caps;
	int allow_new_privs;
	int seccomp_baseline;
	char *seccomp_deny; /* comma-separated system calls */
	/* dependencies and health (target.c, ready.c) */
	struct strlist wait; /* --wait targets, checked by target_parse */
	long long wait_timeout;
	char *probe; /* --probe's target: the action is CLI_PROBE */
	long long probe_timeout;
};

#define CLI_DURATION_MAX (24LL * 3600 * 1000)

extern const char cli_version[];
extern const char cli_license[];

int cli_parse(struct config *c, int argc, char **argv, char *const *envp,
    const struct cli_checks *checks, char *err, size_t len);
int cli_help(char *buf, size_t len);
int cli_duration(const char *s, long long *ms);
void cli_free(struct config *c);

#endif
