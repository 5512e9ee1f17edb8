/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_HTTP_H
#define BOSUN_HTTP_H

#include <stddef.h>

/* The most of an answer bosun reads: interim (1xx) heads and the final
 * status line must fit; one line must fit in HTTP_LINE_MAX. */
#define HTTP_HEAD_MAX 4096
#define HTTP_LINE_MAX 1024

int http_request(const char *host, const char *port, const char *path,
    size_t path_len, char *buf, size_t len, size_t *n);
int http_status(const char *buf, size_t n, int *status);

#endif
