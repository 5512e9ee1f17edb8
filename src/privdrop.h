/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_PRIVDROP_H
#define BOSUN_PRIVDROP_H

#include <stddef.h>
#include <stdint.h>

#include "userdb.h"

/* What the child does to its privileges before exec. */
struct privdrop {
	const struct ident *user; /* NULL: keep the user */
	int caps_given;           /* --caps was given */
	uint64_t caps;            /* bit n: capability n */
	int no_new_privs;
};

int privdrop_parse_caps(
    const char *list, uint64_t *caps, char *err, size_t len);
int privdrop_setuid_refused(void);
int privdrop_verify(
    const struct ident *u, uint64_t caps, char *err, size_t len);
int privdrop_apply(const struct privdrop *p, char *err, size_t len);

#endif
