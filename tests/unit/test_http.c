// SPDX-License-Identifier: MIT
/* http: the GET request and the final status of an answer. */
#include <criterion/criterion.h>
#include <string.h>

#include "http.h"

static int status;

static int
st(const char *s)
{
	status = -1;
	return http_status(s, strlen(s), &status);
}

Test(http, request_has_host_and_connection_close)
{
	char buf[512];
	size_t n;

	cr_assert_eq(
	    http_request("db", "8080", "/health?x=1#f", 11, buf, sizeof(buf),
	        &n),
	    0);
	cr_assert_eq(n, strlen(buf));
	cr_assert_str_eq(buf,
	    "GET /health?x=1 HTTP/1.1\r\n"
	    "Host: db:8080\r\n"
	    "User-Agent: bosun\r\n"
	    "Accept: */*\r\n"
	    "Connection: close\r\n"
	    "\r\n");
}

Test(http, ipv6_host_header_is_bracketed)
{
	char buf[512];
	size_t n;

	cr_assert_eq(http_request("::1", "80", "/", 1, buf, sizeof(buf), &n), 0);
	cr_assert(strstr(buf, "\r\nHost: [::1]:80\r\n"), "%s", buf);
}

Test(http, request_that_does_not_fit_is_an_error)
{
	char buf[40];
	size_t n = 7;

	cr_assert_eq(http_request("db", "80", "/", 1, buf, sizeof(buf), &n), -1);
	cr_assert_eq(n, 7, "n untouched");
}

Test(http, final_status_of_common_answers)
{
	cr_assert_eq(st("HTTP/1.1 200 OK\r\n"), 1);
	cr_assert_eq(status, 200);
	cr_assert_eq(st("HTTP/1.0 503 Service Unavailable\r\nX: y\r\n\r\n"), 1);
	cr_assert_eq(status, 503);
	cr_assert_eq(st("HTTP/1.1 204\r\n"), 1, "no reason phrase");
	cr_assert_eq(status, 204);
	cr_assert_eq(st("HTTP/1.1 204 \r\n"), 1, "empty reason phrase");
	cr_assert_eq(st("HTTP/1.1 301 Moved\n"), 1, "a bare LF ends a line");
	cr_assert_eq(status, 301);
	cr_assert_eq(st("HTTP/1.1 200 caf\xc3\xa9 ok\tfine\r\n"), 1,
	    "obs-text and tabs in the reason");
}

Test(http, partial_answers_need_more)
{
	const char *full = "HTTP/1.1 200 OK\r\n";

	for (size_t n = 0; n < strlen(full); n++)
		cr_assert_eq(http_status(full, n, &status), 0, "%zu bytes", n);
	cr_assert_eq(st("HTTP/1.1 200 OK\r"), 0);
}

Test(http, things_that_are_not_http)
{
	const char *bad[] = { "SSH-2.0-OpenSSH_9.2\r\n", "HTTP/1.1 2000 OK\r\n",
		"HTTP/1.1 20 OK\r\n", "HTTP/1.1 099 X\r\n", "HTTP/1.1 600 X\r\n",
		"HTTP/11 200 OK\r\n", "http/1.1 200 OK\r\n", "HTTP/1.1  200 OK\r\n",
		"HTTP/1.1 200 O\x01K\r\n", "HTTP/1.1 200 OK\rX\n",
		"HTTP/1.1 200\x7f\r\n", " HTTP/1.1 200 OK\r\n", "\x01\xff" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(st(bad[i]), -1, "%s", bad[i]);
}

Test(http, a_line_longer_than_the_bound_is_refused)
{
	static char buf[HTTP_LINE_MAX + 64];

	memset(buf, 'x', sizeof(buf) - 1);
	memcpy(buf, "HTTP/1.1 200 ", 13);
	cr_assert_eq(http_status(buf, HTTP_LINE_MAX - 1, &status), 0);
	cr_assert_eq(http_status(buf, HTTP_LINE_MAX, &status), -1);
	buf[HTTP_LINE_MAX - 1] = '\n';
	cr_assert_eq(http_status(buf, HTTP_LINE_MAX, &status), 1,
	    "a line of exactly the bound fits");
}

Test(http, interim_answers_are_skipped)
{
	cr_assert_eq(st("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), 1);
	cr_assert_eq(status, 200);
	cr_assert_eq(st("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n"
	                "Link: </b>\r\n\r\nHTTP/1.1 404 Not Found\r\n"),
	    1);
	cr_assert_eq(status, 404);
	cr_assert_eq(st("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\n"), 1);
	cr_assert_eq(st("HTTP/1.1 100 Continue\r\nX: y\r\n"), 0);
	cr_assert_eq(st("HTTP/1.1 100 Continue\r\n\r\n"), 0);
	cr_assert_eq(st("HTTP/1.1 100 Continue\r\n\r\nSSH"), -1);
	cr_assert_eq(st("HTTP/1.1 101 Switching\r\n\r\n"), 1, "101 is final");
	cr_assert_eq(status, 101);
}

Test(http, endless_interim_answers_hit_the_head_bound)
{
	static char buf[HTTP_HEAD_MAX + 64];
	const char *one = "HTTP/1.1 100 Continue\r\n\r\n";
	size_t n = 0;

	while (n + strlen(one) < sizeof(buf)) {
		memcpy(buf + n, one, strlen(one));
		n += strlen(one);
	}
	cr_assert_eq(http_status(buf, n, &status), -1);
	cr_assert_eq(http_status(buf, HTTP_HEAD_MAX, &status), -1,
	    "a full buffer with no final status is refused");
}
