// SPDX-License-Identifier: MIT
/*
 * privdrop: the command's user, groups and capabilities, set with libcap
 * in the forked child just before exec. Order: groups and gid, uid; then
 * check that the real, effective and saved ids all changed and that root
 * cannot be regained; then the capability sets; then NO_NEW_PRIVS.
 *
 * cap_setuid keeps the permitted set across the uid change (and clears the
 * effective one), so CAP_SETPCAP is still there to empty the bounding set
 * afterwards; then the sets are cut down to what was asked for.
 *
 * Last, privdrop_verify tries what the drop must have made impossible.
 * Group 0 is not root: OpenShift runs every container as an arbitrary uid
 * with gid 0, so a gid of 0 is fine as long as it cannot change.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "parse.h"
#include "privdrop.h"

/* "net_bind_service,CAP_CHOWN": names as in capabilities(7), any case. */
int
privdrop_parse_caps(const char *list, uint64_t *caps, char *err, size_t len)
{
	const char *cursor = list, *p;
	char name[64];
	cap_value_t v;
	size_t n, i;

	while (parse_list_next(&cursor, &p, &n)) {
		if (n == 0)
			continue;
		if (n + 4 >= sizeof(name))
			goto bad;
		i = 0;
		if (n < 4 || strncasecmp(p, "cap_", 4) != 0) {
			memcpy(name, "cap_", 4);
			i = 4;
		}
		for (; n; n--, p++)
			name[i++] = tolower((unsigned char)*p);
		name[i] = '\0';
		/* numbers are not names here */
		if (isdigit((unsigned char)name[4]) ||
		    cap_from_name(name, &v) < 0 || v < 0 || v > 63)
			goto bad;
		*caps |= (uint64_t)1 << v;
	}
	return 0;
bad:
	snprintf(err, len, "unknown capability in '%s'", list);
	return -1;
}

/* bosun must not be installed setuid or setgid, nor gain file caps. */
int
privdrop_setuid_refused(void)
{
	return getuid() != geteuid() || getgid() != getegid() ||
	    getauxval(AT_SECURE) != 0;
}

/* "what: why", why from errno; returns -1. */
static int
errno_message(char *err, size_t len, const char *what)
{
	snprintf(err, len, "%s: %s", what, strerror(errno));
	return -1;
}

static int
ids_are(uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	return getresuid(&r, &e, &s) == 0 && getresgid(&rg, &eg, &sg) == 0 &&
	    r == uid && e == uid && s == uid && rg == gid && eg == gid &&
	    sg == gid;
}

/* Sets permitted, effective and inheritable to exactly caps. */
static int
set_caps(uint64_t caps)
{
	cap_t c = cap_init();
	cap_value_t v;
	int r;

	if (!c)
		return -1;
	for (v = 0; v < 64; v++) {
		if (!(caps >> v & 1))
			continue;
		if (cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) < 0 ||
		    cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0 ||
		    cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET) < 0) {
			cap_free(c);
			return -1;
		}
	}
	r = cap_set_proc(c);
	cap_free(c);
	return r;
}

/* Drops every capability but caps from the bounding set. */
static int
cut_bounding(uint64_t caps)
{
	cap_value_t v, max = cap_max_bits();
	cap_t c;

	/* dropping needs CAP_SETPCAP effective; it is still permitted */
	if ((c = cap_get_proc())) {
		v = CAP_SETPCAP;
		cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET);
		cap_set_proc(c);
		cap_free(c);
	}
	for (v = 0; v < max; v++)
		if (!(caps >> v & 1) && CAP_IS_SUPPORTED(v) &&
		    cap_get_bound(v) == 1 && cap_drop_bound(v) < 0)
			return -1;
	return 0;
}

static int
set_ambient(uint64_t caps)
{
	cap_value_t v;

	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return -1;
	for (v = 0; v < 64; v++)
		if (caps >> v & 1 && cap_set_ambient(v, CAP_SET) < 0)
			return -1;
	return 0;
}

/* Whether setgroups could change the groups: the same list, set again. */
static int
groups_settable(void)
{
	int n = getgroups(0, NULL), r = 0;
	gid_t *g;

	if (n < 0 || !(g = malloc((n ? n : 1) * sizeof(*g))))
		return 1; /* cannot tell: assume the worst */
	if ((n = getgroups(n, g)) < 0 || setgroups(n, g) == 0)
		r = 1;
	free(g);
	return r;
}

/*
 * After the drop, with the capabilities as they will be at exec: uid 0
 * cannot be regained, and the gid and groups cannot change to ones not
 * asked for, unless --caps kept CAP_SETUID or CAP_SETGID on purpose. Each
 * probe is a call that must fail; one that succeeds may have changed an id,
 * but then the child exits and the command never runs.
 */
int
privdrop_verify(const struct ident *u, uint64_t caps, char *err, size_t len)
{
	gid_t other = u->gid == 0 ? 1 : 0;

	if (u->uid != 0 && !(caps >> CAP_SETUID & 1) &&
	    (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, len, "root could be regained after the drop");
		return -1;
	}
	if (caps >> CAP_SETGID & 1)
		return 0;
	if (setgid(other) == 0 || setegid(other) == 0) {
		snprintf(err, len,
		    "the group could be changed after the drop (gid %d)",
		    (int)u->gid);
		return -1;
	}
	if (groups_settable()) {
		snprintf(err, len,
		    "the supplementary groups could be changed after the drop");
		return -1;
	}
	return 0;
}

/*
 * The user and groups: set when bosun is root (*dropped then), else only
 * checked to be the target already (Docker USER, runAsNonRoot). Then all
 * three ids must be the target's.
 */
static int
switch_user(const struct ident *u, int *dropped, char *err, size_t len)
{
	char what[160];

	if (geteuid() != 0) {
		if (!ids_are(u->uid, u->gid)) {
			snprintf(err, len,
			    "bosun runs as uid %d gid %d, "
			    "not root: cannot switch to uid %d gid %d",
			    (int)geteuid(), (int)getegid(), (int)u->uid,
			    (int)u->gid);
			return -1;
		}
	} else {
		*dropped = 1;
		snprintf(what, sizeof(what), "cannot set groups (gid %d)",
		    (int)u->gid);
		if (cap_setgroups(u->gid, u->ngroups, u->groups) < 0)
			return errno_message(err, len, what);
		snprintf(what, sizeof(what), "cannot set uid %d", (int)u->uid);
		if (cap_setuid(u->uid) < 0)
			return errno_message(err, len, what);
	}
	if (!ids_are(u->uid, u->gid)) {
		snprintf(err, len, "uid/gid did not change to %d/%d",
		    (int)u->uid, (int)u->gid);
		return -1;
	}
	return 0;
}

/* Runs in the child. Returns 0, or -1 with a message in err. */
int
privdrop_apply(const struct privdrop *p, char *err, size_t len)
{
	const struct ident *u = p->user;
	int drop = 0;

	if (u && switch_user(u, &drop, err, len) < 0)
		return -1;
	if (drop || (p->caps_given && geteuid() == 0)) {
		if (cut_bounding(p->caps) < 0)
			return errno_message(
			    err, len, "cannot drop the bounding set");
	}
	if (u || p->caps_given) {
		if (set_caps(p->caps) < 0)
			return errno_message(
			    err, len, "cannot keep the capabilities asked for");
		/* a program exec'd by a non-root user keeps only ambient caps */
		if (geteuid() != 0 && set_ambient(p->caps) < 0)
			return errno_message(
			    err, len, "cannot set ambient capabilities");
	}
	if (u && privdrop_verify(u, p->caps, err, len) < 0)
		return -1;
	if (!u && p->caps_given && geteuid() != 0 &&
	    !(p->caps >> CAP_SETUID & 1) && setuid(0) == 0) {
		snprintf(err, len, "root could be regained after the drop");
		return -1;
	}
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errno_message(err, len, "cannot set NO_NEW_PRIVS");
	return 0;
}
