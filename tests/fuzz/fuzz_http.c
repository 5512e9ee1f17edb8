// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: an HTTP answer's final status (http_status), and a
 * --wait/--probe spec turned into a request (target_parse, http_request).
 *
 * An answer's verdict never changes as more bytes arrive: once a prefix
 * gives a status, or is refused, every longer one gives the same; a
 * status is 101 or 200 to 599. A spec that parses never puts a CR, LF or
 * space into the request line, so it cannot add a header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_status(const char *buf, size_t size)
{
	int status = 0, first = 0, got, r, verdict = 0;

	for (size_t n = 0; n <= size; n++) {
		r = http_status(buf, n, &got);
		if (verdict && r != verdict)
			abort();
		if (r == 1 && (got < 101 || got > 599 ||
		                  (got < 200 && got != 101)))
			abort();
		if (r == 1 && first && got != status)
			abort();
		if (r == 1 && !first) {
			first = 1;
			status = got;
		}
		if (r != 0)
			verdict = r;
		if (r == 0 && n >= HTTP_HEAD_MAX)
			abort();
	}
}

static void
check_request(const char *spec)
{
	char err[256], req[HTTP_LINE_MAX + 512];
	struct target t;
	size_t n, line;

	if (target_parse(spec, &t, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (t.kind != TARGET_HTTP)
		return;
	if (http_request(t.host, t.port, t.path, t.path_len, req, sizeof(req),
	        &n) < 0)
		return;
	/* "GET " PATH " HTTP/1.1\r\n", and nothing of the spec after */
	line = strcspn(req, "\r\n");
	if (line != 4 + t.path_len + 9 || memchr(req + 4, ' ', t.path_len))
		abort();
	if (strstr(req, "\r\n\r\n") != req + n - 4)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	check_status(buf, size);
	check_request(buf);
	free(buf);
	return 0;
}
