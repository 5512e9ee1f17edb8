/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_RELOAD_H
#define BOSUN_RELOAD_H

#include <sys/types.h>

#include "envlist.h"

/* The reader's exit code when it said why it failed (a logged failure). */
#define RELOAD_FAILED 1

/*
 * Reads the command's environment into env, in the reader; 0, or -1 once
 * it logged why (no value in the message).
 */
typedef int (*reload_read)(void *arg, struct envlist *env);

/* A reading of every source again, in a child process of its own. */
struct reload {
	int fd;    /* where the reader leaves the result; -1: none */
	char *buf; /* the result: "NAME=VALUE\0" entries, len bytes */
	size_t len;
	char **envp; /* into buf, NULL-terminated */
};

pid_t reload_start(struct reload *rl, reload_read read, void *arg);
int reload_finish(struct reload *rl, int wstatus, int wanted);
void reload_clear(struct reload *rl);

#endif
