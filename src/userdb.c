// SPDX-License-Identifier: MIT
/*
 * userdb: /etc/passwd and /etc/group, parsed by bosun itself so that
 * --user works in a static binary in a FROM-scratch image (no NSS). Pure:
 * reads the FILEs it is given, prints nothing.
 *
 * Rules: a name must have an entry; a numeric id needs none. Ids are
 * 0..4294967294; 4294967295 is (uid_t)-1, "leave unchanged" to the
 * kernel, and is refused. A numeric user with neither a passwd entry nor
 * a group given is refused rather than left in group 0. With USER:GROUP
 * the only group is GROUP; with USER alone, its primary group and every
 * group that lists it as a member. Malformed lines are skipped, and so
 * are NIS compat ("+", "-") and comment ("#") lines, in both files.
 *
 * Lines may be of any length (getline) and the first matching entry wins,
 * as with glibc: no entry is ever passed over because a field is long, so
 * a later duplicate (say, uid 0) can never stand in for it. A home that
 * cannot be a path (PATH_MAX or longer) is an error naming the user.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "userdb.h"

#define ID_MAX 4294967294UL

/* A decimal id 0..4294967294 filling the whole string (leading zeros
 * allowed, as strtoul and so glibc read them). */
int
userdb_parse_id(const char *s, unsigned long *id)
{
	unsigned long long v;

	if (parse_number(s, ID_MAX, &v) < 0)
		return -1;
	*id = (unsigned long)v;
	return 0;
}

/* Splits line into at most max ':'-separated fields; returns the count. */
static int
split(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	f[n++] = line;
	while (n < max && (line = strchr(line, ':'))) {
		*line++ = '\0';
		f[n++] = line;
	}
	return n;
}

/* A line that is no entry: malformed, a comment or NIS compat. */
static int
skipped(char **fld, int n, int want)
{
	return n != want || fld[0][0] == '\0' || fld[0][0] == '#' ||
	    fld[0][0] == '+' || fld[0][0] == '-';
}

void
userdb_entry_free(struct userdb_entry *e)
{
	free(e->name);
	free(e->home);
	e->name = e->home = NULL;
}

/*
 * The first valid entry whose name is name (or, when name is NULL, whose
 * id is id). Returns 0, or -1 with errno: ENOENT when there is none,
 * ENOMEM. The entry's strings are the caller's (userdb_entry_free).
 */
static int
find_entry(FILE *f, int passwd, const char *name, unsigned long id,
    struct userdb_entry *e)
{
	char *line = NULL, *fld[8];
	size_t cap = 0;
	unsigned long v, g = 0;
	int n, ok, r = -1;

	rewind(f);
	/* errno stays 0 at the end of the file, not after an error */
	while ((errno = 0, getline(&line, &cap, f)) >= 0) {
		n = split(line, fld, passwd ? 7 : 4);
		if (fld[0][0] == '\0' || strchr("#+-", fld[0][0]))
			continue;
		if (name && strcmp(fld[0], name) != 0)
			continue;
		ok = !skipped(fld, n, passwd ? 7 : 4) &&
		    userdb_parse_id(fld[2], &v) == 0 &&
		    (!passwd || userdb_parse_id(fld[3], &g) == 0);
		/* the first entry of a name decides: a later duplicate (say,
		 * uid 0) never stands in for one that cannot be parsed */
		if (name && !ok) {
			errno = EBADMSG;
			goto out;
		}
		if (!ok || (!name && v != id))
			continue;
		e->name = strdup(fld[0]);
		e->home = strdup(passwd ? fld[5] : "");
		if (!e->name || !e->home) {
			userdb_entry_free(e);
			errno = ENOMEM;
			goto out;
		}
		e->id = v;
		e->gid = g;
		r = 0;
		goto out;
	}
	if (errno == 0)
		errno = ENOENT;
out:
	free(line);
	return r;
}

int
userdb_find_passwd(
    FILE *f, const char *name, unsigned long uid, struct userdb_entry *e)
{
	return find_entry(f, 1, name, uid, e);
}

int
userdb_find_group(
    FILE *f, const char *name, unsigned long gid, struct userdb_entry *e)
{
	return find_entry(f, 0, name, gid, e);
}

/* Adds the gids of the groups listing user as a member; no duplicates. */
int
userdb_member_groups(
    FILE *f, const char *user, gid_t *out, size_t max, size_t *n)
{
	char *line = NULL, *fld[4], *m, *save;
	size_t cap = 0, i;
	unsigned long gid;
	int r = 0;

	rewind(f);
	while ((errno = 0, getline(&line, &cap, f)) >= 0) {
		if (skipped(fld, split(line, fld, 4), 4) ||
		    userdb_parse_id(fld[2], &gid) < 0)
			continue;
		for (m = strtok_r(fld[3], ",", &save); m;
		     m = strtok_r(NULL, ",", &save)) {
			if (strcmp(m, user) != 0)
				continue;
			for (i = 0; i < *n && out[i] != (gid_t)gid; i++)
				;
			if (i < *n)
				break;
			if (*n == max) {
				errno = E2BIG;
				r = -1;
				break;
			}
			out[(*n)++] = (gid_t)gid;
			break;
		}
		if (r < 0)
			break;
	}
	if (errno != 0) /* getline failed, not the end of the file */
		r = -1;
	free(line);
	return r;
}

static int
all_digits(const char *s)
{
	return strspn(s, "0123456789") == strlen(s);
}

/*
 * An id or a name to an entry; *found says whether there is one (a number
 * needs none). Returns -1 with errno EINVAL (a number out of range),
 * ENOENT (no such name) or ENOMEM.
 */
static int
resolve_name_or_id(
    const char *s, FILE *f, int passwd, struct userdb_entry *e, int *found)
{
	unsigned long id;

	*found = 0;
	if (userdb_parse_id(s, &id) == 0) {
		if (f && find_entry(f, passwd, NULL, id, e) == 0)
			*found = 1;
		else if (f && errno != ENOENT)
			return -1;
		e->id = id;
		return 0;
	}
	if (all_digits(s)) {
		errno = EINVAL; /* a number out of range is not a name */
		return -1;
	}
	errno = ENOENT;
	if (!f || find_entry(f, passwd, s, 0, e) < 0)
		return -1;
	*found = 1;
	return 0;
}

static void
lookup_error(const char *what, const char *s, char *err, size_t len)
{
	if (errno == EINVAL)
		snprintf(err, len, "bad %s id %s (0 to 4294967294)", what, s);
	else if (errno == EBADMSG)
		snprintf(err, len, "malformed %s entry for %s %s",
		    strcmp(what, "user") == 0 ? "passwd" : "group", what, s);
	else if (errno == ENOENT)
		snprintf(err, len, "unknown %s %s", what, s);
	else
		snprintf(err, len, "cannot look up %s %s: %s", what, s,
		    strerror(errno));
}

/* "USER[:GROUP]", by names or numeric ids, to the ids to switch to. */
int
userdb_resolve(const char *spec, FILE *passwd, FILE *group, struct ident *id,
    char *err, size_t len)
{
	struct userdb_entry u = { 0 }, g = { 0 };
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	int have_user, have_group, r = -1;

	if (n == 0 || n >= sizeof(user) || (colon && colon[1] == '\0')) {
		snprintf(
		    err, len, "bad user '%s': expected USER[:GROUP]", spec);
		return -1;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	memset(id, 0, sizeof(*id));
	if (resolve_name_or_id(user, passwd, 1, &u, &have_user) < 0) {
		lookup_error("user", user, err, len);
		goto out;
	}
	id->uid = (uid_t)u.id;
	if (have_user && strlen(u.home) >= sizeof(id->home)) {
		snprintf(err, len,
		    "home directory of user %s is too long (%zu bytes)", user,
		    strlen(u.home));
		goto out;
	}
	strcpy(id->home, have_user && u.home[0] ? u.home : "/");

	if (colon) {
		if (resolve_name_or_id(colon + 1, group, 0, &g, &have_group) <
		    0) {
			lookup_error("group", colon + 1, err, len);
			goto out;
		}
		id->gid = (gid_t)g.id;
		id->groups[id->ngroups++] = id->gid;
		r = 0;
		goto out;
	}
	if (!have_user) {
		snprintf(err, len,
		    "user %s has no passwd entry and no group was "
		    "given: use --user %s:GID",
		    user, user);
		goto out;
	}
	id->gid = (gid_t)u.gid;
	id->groups[id->ngroups++] = id->gid;
	if (group &&
	    userdb_member_groups(group, u.name, id->groups, USERDB_MAX_GROUPS,
	        &id->ngroups) < 0) {
		if (errno == E2BIG)
			snprintf(err, len, "user %s is in more than %d groups",
			    user, USERDB_MAX_GROUPS);
		else
			snprintf(err, len,
			    "cannot read the groups of user %s: %s", user,
			    strerror(errno));
		goto out;
	}
	r = 0;
out:
	userdb_entry_free(&u);
	userdb_entry_free(&g);
	return r;
}
