/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_TARGET_H
#define BOSUN_TARGET_H

#include <stddef.h>

enum target_kind { TARGET_TCP, TARGET_UNIX, TARGET_FILE, TARGET_HTTP };

/* A name is at most 253 bytes; an IPv6 address fewer. */
#define TARGET_HOST_MAX 254

/* What --wait and --probe check, parsed from the spec it points into. */
struct target {
	enum target_kind kind;
	const char *spec;           /* as given */
	char shown[256];            /* for messages: no query, cut to fit */
	char host[TARGET_HOST_MAX]; /* tcp, http: name or address, no [] */
	char port[8];               /* tcp, http: 1 to 65535, decimal */
	const char *path;           /* unix, file: the path; http: from '/' */
	size_t path_len;            /* http: the path and query, no #fragment */
};

int target_parse(const char *spec, struct target *t, char *err, size_t len);

#endif
