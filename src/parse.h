/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_PARSE_H
#define BOSUN_PARSE_H

#include <stddef.h>

int parse_digits(const char *s, unsigned long long max, unsigned long long *v,
    const char **end);
int parse_number(const char *s, unsigned long long max, unsigned long long *v);
int parse_list_next(const char **cursor, const char **item, size_t *n);
int parse_list_copy(const char *item, size_t n, char *buf, size_t size);
int parse_glob(const char *pattern, const char *name);

#endif
