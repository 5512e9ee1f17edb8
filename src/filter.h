/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_FILTER_H
#define BOSUN_FILTER_H

#include <stddef.h>

int filter_check_syscalls(const char *list, char *err, size_t len);
int filter_build(int baseline, const char *deny, int nnp, void **filter,
    char *err, size_t len);
int filter_load(void *filter, char *err, size_t len);
void filter_free(void *filter);

#endif
