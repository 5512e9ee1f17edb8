/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_SOURCES_H
#define BOSUN_SOURCES_H

#include <stddef.h>

#include "hooks.h"
#include "secrets.h"

/* A list of strings its owner frees (sources_free). */
struct strlist {
	char **v;
	size_t n;
};

/* Where the command's environment comes from, as configured. */
struct sources {
	struct strlist env_files;    /* --env-file PATH */
	struct strlist secrets_dirs; /* --secrets-dir DIR */
	struct strlist file_env;     /* --file-env NAME or pattern */
	struct strlist secrets;      /* --secret NAME=SOURCE */
	struct strlist hooks_dir;    /* --hooks-dir DIR: one at most */
	struct strlist hooks;        /* --hook PATH */
	long long hook_timeout;      /* ms; also the file sources' deadline */
};

int strlist_add(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

int sources_wanted(const struct sources *s);
int sources_load(
    struct secrets_ctx *x, const struct sources *s, const struct hook_ctl *h);
void sources_scrub(const struct sources *s, char **environ);
void sources_free(struct sources *s);

#endif
