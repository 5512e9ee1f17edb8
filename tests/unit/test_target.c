// SPDX-License-Identifier: MIT
/* target: the specs of --wait and --probe. */
#include <criterion/criterion.h>
#include <string.h>

#include "target.h"

static struct target t;
static char err[256];

static int
parse(const char *spec)
{
	err[0] = '\0';
	return target_parse(spec, &t, err, sizeof(err));
}

Test(target, tcp_with_a_name_an_ipv4_or_an_ipv6_address)
{
	cr_assert_eq(parse("tcp://db:5432"), 0, "%s", err);
	cr_assert_eq(t.kind, TARGET_TCP);
	cr_assert_str_eq(t.host, "db");
	cr_assert_str_eq(t.port, "5432");
	cr_assert_str_eq(t.spec, "tcp://db:5432");
	cr_assert_eq(parse("tcp://10.0.0.7:1"), 0);
	cr_assert_str_eq(t.host, "10.0.0.7");
	cr_assert_eq(parse("tcp://[::1]:65535"), 0);
	cr_assert_str_eq(t.host, "::1", "brackets are not part of it");
	cr_assert_str_eq(t.port, "65535");
	cr_assert_eq(parse("tcp://my_db-1.svc.cluster.local:05432"), 0);
	cr_assert_str_eq(t.port, "5432", "leading zeros are dropped");
}

Test(target, tcp_needs_a_host_and_a_port_in_range)
{
	const char *bad[] = { "tcp://db", "tcp://db:", "tcp://:80",
		"tcp://db:80/x", "tcp://[::1]80", "tcp://[::1:80",
		"tcp://[nope]:80", "tcp://[]:80", "tcp://us er:80",
		"tcp://db:80:81" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(bad[i]), -1, "%s", bad[i]);
		cr_assert(strstr(err, bad[i]), "the message names %s: %s",
		    bad[i], err);
	}
	cr_assert_eq(parse("tcp://db:0"), -1);
	cr_assert(strstr(err, "bad port"), "%s", err);
	cr_assert_eq(parse("tcp://db:65536"), -1);
	cr_assert(strstr(err, "bad port"), "%s", err);
	cr_assert_eq(parse("tcp://db:-1"), -1);
	cr_assert_eq(parse("tcp://db:1234567"), -1);
}

Test(target, a_name_of_253_bytes_fits_and_one_more_does_not)
{
	char spec[300] = "tcp://";

	memset(spec + 6, 'a', 253);
	strcpy(spec + 6 + 253, ":80");
	cr_assert_eq(parse(spec), 0);
	cr_assert_eq(strlen(t.host), 253);
	memset(spec + 6, 'a', 254);
	strcpy(spec + 6 + 254, ":80");
	cr_assert_eq(parse(spec), -1);
}

Test(target, http_port_defaults_to_80_and_path_to_slash)
{
	cr_assert_eq(parse("http://web"), 0, "%s", err);
	cr_assert_eq(t.kind, TARGET_HTTP);
	cr_assert_str_eq(t.port, "80");
	cr_assert_eq(t.path_len, 1);
	cr_assert_eq(strncmp(t.path, "/", t.path_len), 0);
	cr_assert_eq(parse("http://web:8080/health?full=1#frag"), 0);
	cr_assert_str_eq(t.port, "8080");
	cr_assert_eq(t.path_len, strlen("/health?full=1"), "no fragment");
	cr_assert_eq(strncmp(t.path, "/health?full=1", t.path_len), 0);
	cr_assert_eq(parse("http://[fe80::1]/x"), 0);
	cr_assert_str_eq(t.host, "fe80::1");
	cr_assert_str_eq(t.port, "80");
}

Test(target, http_path_cannot_break_the_request_line)
{
	cr_assert_eq(parse("http://web/a b"), -1);
	cr_assert(strstr(err, "percent-encode"), "%s", err);
	cr_assert_eq(parse("http://web/a\r\nX: y"), -1);
	cr_assert_eq(parse("http://web/\x7f"), -1);
	cr_assert_eq(parse("http://web?x"), -1, "the path starts with /");
	cr_assert_eq(parse("http://web:80?x"), -1);
	cr_assert_eq(parse("http://web:x/"), -1);
}

Test(target, credentials_are_refused_and_not_repeated)
{
	cr_assert_eq(parse("http://user:s3cret@web/health"), -1);
	cr_assert(strstr(err, "user:password@ is not supported"), "%s", err);
	cr_assert_null(strstr(err, "s3cret"), "%s", err);
	cr_assert_eq(parse("tcp://s3cret@db:5432"), -1);
	cr_assert_null(strstr(err, "s3cret"), "%s", err);
	cr_assert_eq(parse("https://u:s3cret@web/"), -1);
	cr_assert(strstr(err, "user:password@ is not supported"), "%s", err);
	cr_assert_null(strstr(err, "s3cret"), "%s", err);
	/* an @ in the path is no credential */
	cr_assert_eq(parse("http://web/a@b"), 0, "%s", err);
}

Test(target, https_is_refused_saying_why)
{
	cr_assert_eq(parse("https://example.com/"), -1);
	cr_assert(strstr(err, "https is out of scope"), "%s", err);
	cr_assert(strstr(err, "https://example.com/"), "%s", err);
}

Test(target, unix_and_file_take_absolute_paths)
{
	cr_assert_eq(parse("unix:/run/app.sock"), 0);
	cr_assert_eq(t.kind, TARGET_UNIX);
	cr_assert_str_eq(t.path, "/run/app.sock");
	cr_assert_eq(parse("file:/run/ready"), 0);
	cr_assert_eq(t.kind, TARGET_FILE);
	cr_assert_str_eq(t.path, "/run/ready");
	cr_assert_eq(parse("file:///run/ready"), 0, "a file URL is a path");
	cr_assert_eq(parse("unix:run/app.sock"), -1);
	cr_assert(strstr(err, "absolute path"), "%s", err);
	cr_assert_eq(parse("file:"), -1);
}

Test(target, a_socket_path_must_fit_sun_path)
{
	char spec[200] = "unix:/";

	memset(spec + 6, 'a', 106); /* "/" + 106: 107 bytes and the NUL */
	cr_assert_eq(parse(spec), 0);
	spec[6 + 106] = 'a';
	cr_assert_eq(parse(spec), -1);
	cr_assert(strstr(err, "too long"), "%s", err);
}

Test(target, unknown_kinds_list_the_known_ones)
{
	cr_assert_eq(parse("udp://db:53"), -1);
	cr_assert(strstr(err, "unknown kind of target 'udp://db:53'"), "%s",
	    err);
	cr_assert(strstr(err, "tcp://HOST:PORT"), "%s", err);
	cr_assert_eq(parse("db:5432"), -1);
	cr_assert_eq(parse(""), -1);
	cr_assert_eq(parse("TCP://db:1"), -1, "kinds are lower case");
}

Test(target, messages_show_no_query_and_fit)
{
	char long_spec[600];

	cr_assert_eq(parse("http://web:8080/health?token=s3cret#f"), 0);
	cr_assert_str_eq(t.shown, "http://web:8080/health?...");
	cr_assert_eq(strncmp(t.path, "/health?token=s3cret", t.path_len), 0,
	    "the request still carries the query");
	cr_assert_eq(parse("http://web:99999/x?token=s3cret"), -1);
	cr_assert(strstr(err, "'http://web:99999/x?...'"), "%s", err);
	cr_assert_null(strstr(err, "s3cret"), "%s", err);
	cr_assert_eq(parse("https://web/x?token=s3cret"), -1);
	cr_assert_null(strstr(err, "s3cret"), "%s", err);
	cr_assert_eq(parse("tcp://db:5432"), 0);
	cr_assert_str_eq(t.shown, "tcp://db:5432");
	cr_assert_eq(parse("file:/run/a?b"), 0, "a ? in a path is no query");
	cr_assert_str_eq(t.shown, "file:/run/a?b");
	memset(long_spec, 'a', sizeof(long_spec) - 1);
	memcpy(long_spec, "file:/", 6);
	long_spec[sizeof(long_spec) - 1] = '\0';
	cr_assert_eq(parse(long_spec), 0);
	cr_assert_eq(strlen(t.shown), sizeof(t.shown) - 1);
	cr_assert_str_eq(t.shown + sizeof(t.shown) - 4, "...");
	cr_assert_eq(strlen(t.path), sizeof(long_spec) - 1 - 5,
	    "the path itself is whole");
}
