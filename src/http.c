// SPDX-License-Identifier: MIT
/*
 * http: the two pure halves of the smallest HTTP/1.1 client that --wait
 * and --probe need: the GET request (Host header, Connection: close) and
 * the final status code from the start of the answer. Headers and body
 * are never looked at, except to skip interim 1xx answers (RFC 9110,
 * 15.2), which a server may send before the final one.
 *
 * Everything is bounded: a line longer than HTTP_LINE_MAX or a head
 * longer than HTTP_HEAD_MAX is not an answer bosun accepts, so a reader
 * never needs a larger buffer.
 */
#include <stdio.h>
#include <string.h>

#include "http.h"

/*
 * The request for path (path_len bytes) on host:port, into buf. Returns
 * 0 with its length in *n, or -1 when it does not fit.
 */
int
http_request(const char *host, const char *port, const char *path,
    size_t path_len, char *buf, size_t len, size_t *n)
{
	int v6 = strchr(host, ':') != NULL;
	int r;

	if (path_len > (size_t)HTTP_LINE_MAX)
		return -1;
	r = snprintf(buf, len,
	    "GET %.*s HTTP/1.1\r\n"
	    "Host: %s%s%s:%s\r\n"
	    "User-Agent: bosun\r\n"
	    "Accept: */*\r\n"
	    "Connection: close\r\n"
	    "\r\n",
	    (int)path_len, path, v6 ? "[" : "", host, v6 ? "]" : "", port);
	if (r < 0 || (size_t)r >= len)
		return -1;
	*n = r;
	return 0;
}

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A byte that may appear in a reason phrase or a header line: HTAB, SP,
 * visible ASCII, obs-text. */
static int
text_byte(unsigned char c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

/*
 * The end of the line starting at s (n bytes available): 1 with *next
 * just past its LF; 0 when more is needed; -1 when it is too long or has
 * a control character (a CR only just before the LF).
 */
static int
line_end(const char *s, size_t n, size_t *next)
{
	size_t i;

	for (i = 0; i < n && i < HTTP_LINE_MAX; i++) {
		if (s[i] == '\n') {
			*next = i + 1;
			return 1;
		}
		if (s[i] == '\r' && (i + 1 >= n || s[i + 1] == '\n'))
			continue;
		if (!text_byte((unsigned char)s[i]))
			return -1;
	}
	return i >= HTTP_LINE_MAX ? -1 : 0;
}

/*
 * The status line at s: "HTTP/" DIGIT "." DIGIT SP 3DIGIT, then SP and a
 * reason, or the end of the line. 1 with the code and *next past the
 * line, 0 when more is needed, -1 when it is not one.
 */
static int
status_line(const char *s, size_t n, int *code, size_t *next)
{
	static const char proto[] = "HTTP/d.d ddd";
	size_t i, k = sizeof(proto) - 1;

	for (i = 0; i < k && i < n; i++) {
		if (proto[i] == 'd' ? !digit(s[i]) : s[i] != proto[i])
			return -1;
	}
	if (i < k)
		return 0;
	if (s[9] < '1' || s[9] > '5')
		return -1;
	if (n == k)
		return 0;
	if (s[k] != ' ' && s[k] != '\r' && s[k] != '\n')
		return -1;
	*code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	return line_end(s, n, next);
}

/* http_status, without the bound on n. */
static int
final_status(const char *buf, size_t n, int *status)
{
	size_t at = 0, next;
	int code, r;

	for (;;) {
		if ((r = status_line(buf + at, n - at, &code, &next)) <= 0)
			return r;
		at += next;
		/* 101 Switching Protocols is final, never asked for */
		if (code >= 200 || code == 101) {
			*status = code;
			return 1;
		}
		/* an interim answer: skip its header lines */
		do {
			if (at >= HTTP_HEAD_MAX)
				return -1;
			r = line_end(buf + at, n - at, &next);
			if (r <= 0)
				return r;
			at += next;
		} while (next > 2 || (next == 2 && buf[at - 2] != '\r'));
		if (at >= HTTP_HEAD_MAX)
			return -1;
	}
}

/*
 * The final status code of the answer that starts buf (n bytes so far).
 * Returns 1 with it in *status, 0 when more bytes are needed, -1 when
 * this is not an HTTP/1.x answer bosun accepts (or needs more than
 * HTTP_HEAD_MAX bytes to tell).
 */
int
http_status(const char *buf, size_t n, int *status)
{
	int r = final_status(buf, n, status);

	return r == 0 && n >= HTTP_HEAD_MAX ? -1 : r;
}
