// SPDX-License-Identifier: MIT
/* log: the text and JSON lines, and JSON strings escaped. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "log.h"

static const struct timespec when = { 1795000000, 123456789 };

static const char *
json(const char *s)
{
	static char out[256];

	log_json_string(out, sizeof(out), s);
	return out;
}

Test(log, json_escapes_quotes_backslash_and_controls)
{
	cr_assert_str_eq(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
	cr_assert_str_eq(json("l1\nl2\tx\r"), "\"l1\\nl2\\tx\\r\"");
	cr_assert_str_eq(json("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
}

Test(log, json_keeps_utf8_and_replaces_what_is_not)
{
	cr_assert_str_eq(json("caf\xc3\xa9 \xe2\x82\xac"), "\"caf\xc3\xa9 \xe2\x82\xac\"");
	cr_assert_str_eq(json("a\xff" "b"), "\"a\\ufffdb\"");
	cr_assert_str_eq(json("\xc0\xaf"), "\"\\ufffd\\ufffd\"", "overlong");
	cr_assert_str_eq(json("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"",
	    "surrogate");
	cr_assert_str_eq(json("\xe2\x82"), "\"\\ufffd\\ufffd\"", "truncated");
	cr_assert_str_eq(json("\xf4\x90\x80\x80"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "above U+10FFFF");
}

Test(log, json_cut_never_splits_an_escape)
{
	char out[8];

	/* room for the quotes and 5 bytes: "ab" then \" does not fit twice */
	log_json_string(out, sizeof(out), "ab\"\"\"");
	cr_assert_str_eq(out, "\"ab\\\"\"");
	log_json_string(out, sizeof(out), "\xe2\x82\xac\xe2\x82\xac");
	cr_assert_str_eq(out, "\"\xe2\x82\xac\"");
}

Test(log, text_lines_are_as_before)
{
	char b[128];

	log_format_line(b, sizeof(b), LOG_FORMAT_TEXT, LOG_SEV_WARNING, NULL,
	    &when, "x");
	cr_assert_str_eq(b, "bosun: warning: x\n");
	log_format_line(
	    b, sizeof(b), LOG_FORMAT_TEXT, LOG_SEV_ERROR, NULL, &when, "y");
	cr_assert_str_eq(b, "bosun: y\n");
}

Test(log, json_line_has_time_level_msg_and_fields)
{
	struct log_fields f = { .pid = 42, .signal = SIGTERM, .status = 3,
		.has_status = 1, .path = "/run/secrets/\"db\"", .name = "DB" };
	char b[512];
	size_t n;

	n = log_format_line(
	    b, sizeof(b), LOG_FORMAT_JSON, LOG_SEV_INFO, &f, &when, "hi\n");
	cr_assert_str_eq(b,
	    "{\"time\":\"2026-11-18T11:06:40.123Z\",\"level\":\"info\","
	    "\"msg\":\"hi\\n\",\"pid\":42,\"signal\":\"SIGTERM\","
	    "\"status\":3,\"path\":\"/run/secrets/\\\"db\\\"\","
	    "\"name\":\"DB\"}\n");
	cr_assert_eq(n, strlen(b));
}

Test(log, json_line_cut_stays_an_object)
{
	static char msg[4000], b[300];
	struct log_fields f = { .pid = 7 };
	size_t n;

	memset(msg, '"', sizeof(msg) - 1);
	n = log_format_line(
	    b, sizeof(b), LOG_FORMAT_JSON, LOG_SEV_ERROR, &f, &when, msg);
	cr_assert_eq(n, strlen(b));
	cr_assert(n <= sizeof(b) - 1);
	cr_assert_str_eq(b + n - 11, "\",\"pid\":7}\n", "got %s", b + n - 11);
}

Test(log, json_time_is_rfc3339_utc_as_gmtime_says)
{
	static const time_t when_s[] = { 0, 951782400, 1795000000, 4107542399,
		1709164800 };
	char b[32], want[40];
	struct tm tm;
	size_t i;

	for (i = 0; i < sizeof(when_s) / sizeof(when_s[0]); i++) {
		struct timespec ts = { when_s[i], 7000000 };

		gmtime_r(&when_s[i], &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.007Z", &tm);
		log_json_time(b, sizeof(b), &ts);
		cr_assert_str_eq(b, want);
	}
	log_json_time(b, 10, &when);
	cr_assert_str_eq(b, "", "too small: nothing");
}
