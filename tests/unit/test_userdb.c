// SPDX-License-Identifier: MIT
/* userdb: /etc/passwd and /etc/group parsing and USER[:GROUP] rules. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "userdb.h"

static const char passwd_text[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"# a comment line\n"
	"broken line without colons\n"
	"short:x:5\n"
	"badid:x:abc:1:bad:/x:/bin/sh\n"
	"neg:x:-1:1::/x:/bin/sh\n"
	"+nisuser::::::\n"
	"app:x:1000:1000:App User,,,:/home/app:/bin/sh\n"
	"app:x:2000:2000:duplicate, later:/other:/bin/sh\n"
	"nohome:x:1001:1001:::/bin/sh\n"
	"9lives:x:1002:1002::/home/9:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	"last:x:3000:3000::/home/last:/bin/sh";	/* no final newline */

static const char group_text[] =
	"root:x:0:\n"
	"audio:x:29:app\n"
	"video:x:44:other,app,third\n"
	"dupe:x:29:app\n"
	"staff:x:50:\n"
	"app:x:1000:\n"
	"broken\n"
	"weird:x:notanumber:app\n"
	"plugdev:x:46:appx,xapp\n"
	"nogroup:x:65534:\n";

static FILE *pw, *gr;
static struct ident id;
static char err[256];

static void
setup(void)
{
	pw = fmemopen((void *)passwd_text, sizeof(passwd_text) - 1, "r");
	gr = fmemopen((void *)group_text, sizeof(group_text) - 1, "r");
	err[0] = '\0';
}

static void
teardown(void)
{
	fclose(pw);
	fclose(gr);
}

TestSuite(userdb, .init = setup, .fini = teardown);

static int
resolve(const char *spec)
{
	return userdb_resolve(spec, pw, gr, &id, err, sizeof(err));
}

Test(userdb, ids_in_range)
{
	unsigned long v;

	cr_assert_eq(userdb_parse_id("0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(userdb_parse_id("4294967294", &v), 0);
	cr_assert_eq(v, 4294967294UL);
	cr_assert_eq(userdb_parse_id("4294967295", &v), -1, "(uid_t)-1");
	cr_assert_eq(userdb_parse_id("4294967296", &v), -1);
	cr_assert_eq(userdb_parse_id("99999999999999999999", &v), -1);
	cr_assert_eq(userdb_parse_id("-1", &v), -1);
	cr_assert_eq(userdb_parse_id("", &v), -1);
	cr_assert_eq(userdb_parse_id("12a", &v), -1);
	cr_assert_eq(userdb_parse_id("+5", &v), -1);
}

Test(userdb, named_user_gets_primary_and_member_groups)
{
	cr_assert_eq(resolve("app"), 0, "%s", err);
	cr_assert_eq(id.uid, 1000);
	cr_assert_eq(id.gid, 1000);
	cr_assert_eq(id.ngroups, 3, "1000, 29, 44; duplicates and lookalikes not");
	cr_assert_eq(id.groups[0], 1000);
	cr_assert_eq(id.groups[1], 29);
	cr_assert_eq(id.groups[2], 44);
	cr_assert_str_eq(id.home, "/home/app");
}

Test(userdb, first_entry_wins)
{
	struct userdb_entry e = { 0 };

	cr_assert_eq(userdb_find_passwd(pw, "app", 0, &e), 0);
	cr_assert_eq(e.id, 1000);
	userdb_entry_free(&e);
}

Test(userdb, numeric_user_with_entry)
{
	cr_assert_eq(resolve("1000"), 0, "%s", err);
	cr_assert_eq(id.gid, 1000);
	cr_assert_eq(id.ngroups, 3);
}

Test(userdb, explicit_group_is_the_only_group)
{
	cr_assert_eq(resolve("app:staff"), 0, "%s", err);
	cr_assert_eq(id.uid, 1000);
	cr_assert_eq(id.gid, 50);
	cr_assert_eq(id.ngroups, 1);
	cr_assert_eq(id.groups[0], 50);
}

Test(userdb, numeric_ids_need_no_entries)
{
	cr_assert_eq(resolve("4242:4343"), 0, "%s", err);
	cr_assert_eq(id.uid, 4242);
	cr_assert_eq(id.gid, 4343);
	cr_assert_eq(id.ngroups, 1);
	cr_assert_str_eq(id.home, "/", "no entry: HOME is /");
	cr_assert_eq(resolve("app:4343"), 0);
	cr_assert_eq(id.gid, 4343);
}

Test(userdb, numeric_user_without_entry_or_group_is_refused)
{
	cr_assert_eq(resolve("4242"), -1);
	cr_assert(strstr(err, "no passwd entry and no group"), "%s", err);
}

Test(userdb, minus_one_and_out_of_range_are_refused)
{
	cr_assert_eq(resolve("4294967295"), -1);
	cr_assert(strstr(err, "bad user id"), "%s", err);
	cr_assert_eq(resolve("app:4294967295"), -1);
	cr_assert(strstr(err, "bad group id"), "%s", err);
	cr_assert_eq(resolve("-1"), -1);
	cr_assert_eq(resolve("-1:-1"), -1);
}

Test(userdb, unknown_names_and_bad_specs)
{
	cr_assert_eq(resolve("nosuch"), -1);
	cr_assert_str_eq(err, "unknown user nosuch");
	cr_assert_eq(resolve("app:nosuch"), -1);
	cr_assert_str_eq(err, "unknown group nosuch");
	cr_assert_eq(resolve(""), -1);
	cr_assert_eq(resolve(":50"), -1);
	cr_assert_eq(resolve("app:"), -1);
	cr_assert_eq(resolve("badid"), -1, "a malformed line is no entry");
	cr_assert_eq(resolve("short"), -1);
	cr_assert_eq(resolve("+nisuser"), -1);
}

Test(userdb, names_may_start_with_a_digit)
{
	cr_assert_eq(resolve("9lives"), 0, "%s", err);
	cr_assert_eq(id.uid, 1002);
}

Test(userdb, empty_home_is_slash_and_last_line_needs_no_newline)
{
	cr_assert_eq(resolve("nohome:1001"), 0);
	cr_assert_str_eq(id.home, "/");
	cr_assert_eq(resolve("last"), 0, "%s", err);
	cr_assert_str_eq(id.home, "/home/last");
}

Test(userdb, missing_files_allow_numeric_ids_only)
{
	cr_assert_eq(userdb_resolve("10:20", NULL, NULL, &id, err, sizeof(err)), 0);
	cr_assert_eq(id.uid, 10);
	cr_assert_eq(userdb_resolve("app", NULL, NULL, &id, err, sizeof(err)), -1);
}

/* A FILE over a buffer the test builds: freed with the stream's text. */
static char bigbuf[400000];

static FILE *
text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static FILE *
text(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(bigbuf, sizeof(bigbuf), fmt, ap);
	va_end(ap);
	cr_assert(n > 0 && (size_t)n < sizeof(bigbuf));
	return fmemopen(bigbuf, n, "r");
}

static char *
repeat(char c, size_t n)
{
	static char s[3][200001];
	static int k;
	char *p = s[k++ % 3];

	cr_assert(n < sizeof(s[0]));
	memset(p, c, n);
	p[n] = '\0';
	return p;
}

Test(userdb, long_name_is_the_entry_for_its_id)
{
	struct userdb_entry e = { 0 };
	FILE *f;

	/* like glibc: the first entry with uid 7 is the one, however long
	 * its name; a later entry for 7 is never used instead */
	f = text("%s:x:7:7::/h:/bin/sh\nok:x:7:0::/r:/bin/sh\n",
	    repeat('a', 100000));
	cr_assert_eq(userdb_find_passwd(f, "ok", 0, &e), 0);
	cr_assert_eq(e.gid, 0);
	userdb_entry_free(&e);
	cr_assert_eq(userdb_find_passwd(f, NULL, 7, &e), 0);
	cr_assert_eq(e.gid, 7, "the first entry for uid 7");
	cr_assert_eq(strlen(e.name), 100000);
	userdb_entry_free(&e);
	fclose(f);
}

Test(userdb, long_home_never_skips_to_a_later_duplicate)
{
	const char *home = repeat('h', 2000);
	FILE *f = text("app:x:1000:1000::/%s:/bin/sh\n"
		       "app:x:0:0:root again:/root:/bin/sh\n",
	    home);

	cr_assert_eq(userdb_resolve("app", f, NULL, &id, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(id.uid, 1000, "never the later uid 0 entry");
	cr_assert_eq(id.gid, 1000);
	cr_assert_eq(strlen(id.home), 2001);
	fclose(f);
}

Test(userdb, home_too_long_for_a_path_fails_closed_naming_the_user)
{
	FILE *f = text("app:x:1000:1000::/%s:/bin/sh\n"
		       "app:x:0:0:root again:/root:/bin/sh\n",
	    repeat('h', 5000));

	cr_assert_eq(userdb_resolve("app", f, NULL, &id, err, sizeof(err)), -1);
	cr_assert(strstr(err, "home directory of user app"), "%s", err);
	cr_assert_eq(userdb_resolve("1000:5", f, NULL, &id, err, sizeof(err)),
	    -1, "by id as well");
	cr_assert(strstr(err, "home directory of user 1000"), "%s", err);
	fclose(f);
}

Test(userdb, long_group_lines_and_member_lists)
{
	static const char pt[] = "app:x:1000:1000::/h:/bin/sh\n";
	static char members[300000];
	FILE *p = fmemopen((void *)pt, sizeof(pt) - 1, "r");
	FILE *g;
	char *m = members;

	/* app is the last of 20,000 members of a line of 200,000 bytes */
	for (int i = 0; i < 20000; i++)
		m += sprintf(m, "u%08d,", i);
	g = text("%s:x:60:\nbig:x:61:%sapp\n", repeat('g', 100000), members);
	cr_assert_eq(userdb_resolve("app", p, g, &id, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(id.ngroups, 2);
	cr_assert_eq(id.groups[1], 61);
	cr_assert_eq(userdb_resolve("app:60", p, g, &id, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(id.gid, 60, "a group whose name is 100,000 bytes");
	fclose(p);
	fclose(g);
}

Test(userdb, compat_and_comment_lines_are_skipped_in_both_files)
{
	static const char pt[] = "+app:x:0:0::/:/bin/sh\n"
				 "-app:x:0:0::/:/bin/sh\n"
				 "#app:x:0:0::/:/bin/sh\n"
				 "app:x:1000:1000::/h:/bin/sh\n";
	static const char gt[] = "+plus:x:10:app\n"
				 "-minus:x:11:app\n"
				 "#hash:x:12:app\n"
				 "+:x:13:app\n"
				 "real:x:14:app\n";
	FILE *p = fmemopen((void *)pt, sizeof(pt) - 1, "r");
	FILE *g = fmemopen((void *)gt, sizeof(gt) - 1, "r");

	cr_assert_eq(userdb_resolve("app", p, g, &id, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(id.uid, 1000);
	cr_assert_eq(id.ngroups, 2, "1000 and 14 only, got %zu", id.ngroups);
	cr_assert_eq(id.groups[1], 14);
	cr_assert_eq(userdb_resolve("app:+plus", p, g, &id, err, sizeof(err)),
	    -1);
	fclose(p);
	fclose(g);
}

Test(userdb, the_first_entry_of_a_name_decides_even_when_malformed)
{
	/* glibc reads 00000001000 as 1000; a later uid 0 line for the same
	 * name must never stand in for an entry bosun cannot parse */
	static const char zeros[] = "app:x:00000001000:01000::/home/app:/bin/sh\n"
				    "app:x:0:0::/root:/bin/sh\n";
	static const char bad[] = "app:x:abc:1000::/home/app:/bin/sh\n"
				  "app:x:0:0::/root:/bin/sh\n";
	static const char few[] = "app:x:1000:1000::/home/app\n"
				  "app:x:0:0::/root:/bin/sh\n";
	FILE *p = fmemopen((void *)zeros, sizeof(zeros) - 1, "r");

	cr_assert_eq(userdb_resolve("app", p, NULL, &id, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(id.uid, 1000);
	cr_assert_eq(id.gid, 1000);
	fclose(p);
	p = fmemopen((void *)bad, sizeof(bad) - 1, "r");
	cr_assert_eq(userdb_resolve("app", p, NULL, &id, err, sizeof(err)), -1,
	    "resolved to uid %d", (int)id.uid);
	cr_assert_str_eq(err, "malformed passwd entry for user app");
	fclose(p);
	p = fmemopen((void *)few, sizeof(few) - 1, "r");
	cr_assert_eq(userdb_resolve("app", p, NULL, &id, err, sizeof(err)), -1,
	    "resolved to uid %d", (int)id.uid);
	cr_assert_str_eq(err, "malformed passwd entry for user app");
	fclose(p);
}

Test(userdb, find_group_by_name_or_id)
{
	struct userdb_entry e = { 0 };

	cr_assert_eq(userdb_find_group(gr, "video", 0, &e), 0);
	cr_assert_eq(e.id, 44);
	userdb_entry_free(&e);
	cr_assert_eq(userdb_find_group(gr, NULL, 50, &e), 0);
	cr_assert_str_eq(e.name, "staff");
	userdb_entry_free(&e);
	cr_assert_eq(userdb_find_group(gr, "nosuch", 0, &e), -1);
}

Test(userdb, more_groups_than_room_is_e2big)
{
	gid_t g[1];
	size_t n = 0;

	cr_assert_eq(userdb_member_groups(gr, "app", g, 1, &n), -1);
	cr_assert_eq(errno, E2BIG);
	cr_assert_eq(n, 1);
}

Test(userdb, a_user_in_too_many_groups_fails_closed)
{
	static char big[300 * 32];
	size_t at = 0;
	FILE *many;
	int i;

	for (i = 0; i < 300; i++)
		at += snprintf(big + at, sizeof(big) - at, "g%d:x:%d:app\n", i,
		    5000 + i);
	many = fmemopen(big, at, "r");
	cr_assert_eq(userdb_resolve("app", pw, many, &id, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "user app is in more than 256 groups");
	fclose(many);
}
