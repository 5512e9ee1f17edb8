// SPDX-License-Identifier: MIT
/* userdb: /etc/passwd and /etc/group parsing and USER[:GROUP] rules. */
#include <criterion/criterion.h>
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
	struct userdb_entry e;

	cr_assert_eq(userdb_find_passwd(pw, "app", 0, &e), 0);
	cr_assert_eq(e.id, 1000);
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

Test(userdb, long_lines_are_handled)
{
	static char big[200000];
	struct userdb_entry e;
	FILE *f;
	size_t n;

	memset(big, 'a', 100000);
	n = 100000;
	n += sprintf(big + n, ":x:7:7::/h:/bin/sh\nok:x:8:8::/h:/bin/sh\n");
	f = fmemopen(big, n, "r");
	cr_assert_eq(userdb_find_passwd(f, "ok", 0, &e), 0);
	cr_assert_eq(e.id, 8);
	cr_assert_eq(userdb_find_passwd(f, NULL, 7, &e), -1,
	    "a name too long to keep is skipped");
	fclose(f);
}
