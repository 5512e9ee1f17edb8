/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_FILTER_H
#define BOSUN_FILTER_H

#include <stddef.h>

#include "cli.h"

int filter_check_syscalls(const char *list, char *err, size_t len);
void *filter_build(const struct config *c, char *err, size_t len);
int filter_load(void *filter, char *err, size_t len);
void filter_free(void *filter);

#endif
