/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_SECRETS_H
#define BOSUN_SECRETS_H

#include <stddef.h>

#include "envlist.h"

/*
 * The kernel's limit for one "NAME=VALUE" string at exec (MAX_ARG_STRLEN,
 * 32 pages), terminating NUL included.
 */
#define SECRETS_MAX_STRING (32 * 4096)

/* Where values go, and what a bare NAME or env:VAR reads from. */
struct secrets_ctx {
	struct envlist *env;    /* the command's environment, being built */
	char *const *inherited; /* bosun's own environment, which env indexes
	                         * (envlist_inherited): lookups go there */
	char *err;
	size_t errlen;
	/* --on-change: called with each file or directory before it is
	 * read; 0, or -1 with errno. NULL: nothing is watched. */
	int (*watch)(void *arg, const char *path);
	void *watch_arg;
};

int secrets_valid_name(const char *s, size_t n);
size_t secrets_trim(const char *v, size_t n);
int secrets_set(struct secrets_ctx *x, const char *name, const char *v,
    size_t n, const char *source);
int secrets_parse_envfile(
    struct secrets_ctx *x, const char *data, size_t n, const char *label);
int secrets_env_file(struct secrets_ctx *x, const char *path);
int secrets_dir(struct secrets_ctx *x, const char *dir);
int secrets_file_env(struct secrets_ctx *x, char *const *patterns, size_t np);
int secrets_spec(struct secrets_ctx *x, const char *spec);

#endif
