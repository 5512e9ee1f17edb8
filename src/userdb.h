/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_USERDB_H
#define BOSUN_USERDB_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

#define USERDB_MAX_GROUPS 256

/* One passwd or group entry, the fields bosun uses; userdb_entry_free. */
struct userdb_entry {
	char *name;
	unsigned long id;  /* uid or gid */
	unsigned long gid; /* passwd: primary group */
	char *home;        /* passwd only; "" for a group */
};

/* Who the command runs as. */
struct ident {
	uid_t uid;
	gid_t gid;
	gid_t groups[USERDB_MAX_GROUPS];
	size_t ngroups;
	char home[PATH_MAX]; /* a longer home is refused */
};

int userdb_parse_id(const char *s, unsigned long *id);
int userdb_find_passwd(
    FILE *f, const char *name, unsigned long uid, struct userdb_entry *e);
int userdb_find_group(
    FILE *f, const char *name, unsigned long gid, struct userdb_entry *e);
void userdb_entry_free(struct userdb_entry *e);
int userdb_member_groups(
    FILE *f, const char *user, gid_t *out, size_t max, size_t *n);
int userdb_resolve(const char *spec, FILE *passwd, FILE *group,
    struct ident *id, char *err, size_t len);

#endif
