/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_SECRETS_H
#define BOSUN_SECRETS_H

#include <stddef.h>

#include "cli.h"
#include "envlist.h"

/*
 * The kernel's limit for one "NAME=VALUE" string at exec (MAX_ARG_STRLEN,
 * 32 pages), terminating NUL included.
 */
#define SECRETS_MAX_STRING (32 * 4096)

/*
 * The path of the secret file, directory or env-file being opened or read
 * (a copy of configuration, never a value) while that is in progress, NULL
 * otherwise: for a message from a signal handler when a read stalls.
 */
extern const char *volatile secrets_reading;

/* Where values go, and what a bare NAME or env:VAR reads from. */
struct secrets_ctx {
	struct envlist *env;    /* the command's environment, being built */
	char *const *inherited; /* bosun's own environment, which env indexes
	                         * (envlist_inherited): lookups go there */
	char *err;
	size_t errlen;
};

int secrets_valid_name(const char *s, size_t n);
size_t secrets_trim(const char *v, size_t n);
int secrets_set(struct secrets_ctx *x, const char *name, const char *v,
    size_t n, const char *source);
int secrets_parse_envfile(
    struct secrets_ctx *x, const char *data, size_t n, const char *label);
int secrets_read(const char *path, size_t max, char **out, size_t *n);
int secrets_list_dir(const char *dir, int hidden, char ***names, size_t *count);
void secrets_free_list(char **names, size_t n);
int secrets_load(struct secrets_ctx *x, const struct config *c);
int secrets_wanted(const struct config *c);
void secrets_scrub(const struct config *c, char **environ);

#endif
