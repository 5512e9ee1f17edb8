/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_SOURCES_H
#define BOSUN_SOURCES_H

#include <stddef.h>

#include "hooks.h"
#include "secrets.h"
#include "strlist.h"

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

int sources_wanted(const struct sources *s);
int sources_load(
    struct secrets_ctx *x, const struct sources *s, const struct hook_ctl *h);
void sources_scrub(const struct sources *s, char **environ);

#endif
