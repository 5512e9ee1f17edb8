// SPDX-License-Identifier: MIT
/*
 * target: what --wait and --probe check, from its spec: tcp://HOST:PORT,
 * unix:/PATH, file:/PATH or http://HOST[:PORT][/PATH]. Pure: no lookup,
 * no connect; HOST is a name, an IPv4 address or an [IPv6] address, and
 * is resolved later (ready.c).
 *
 * https is refused on purpose: a TLS client is far larger than the rest
 * of bosun, and a health check on the plain port (or tcp://HOST:443) does
 * the job.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "parse.h"
#include "target.h"

#define KINDS                                                                  \
	"tcp://HOST:PORT, unix:/PATH, file:/PATH or "                          \
	"http://HOST[:PORT][/PATH]"

static int
fail(char *err, size_t len, const char *fmt, const char *spec)
{
	snprintf(err, len, fmt, spec);
	return -1;
}

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* HOST at s, into t->host; *end just past it. */
static int
parse_host(const char *s, struct target *t, const char **end)
{
	char addr[sizeof(struct in6_addr)];
	const char *e;
	size_t n;

	if (*s == '[') {
		if (!(e = strchr(s, ']')) || (n = e - s - 1) == 0 ||
		    n >= sizeof(t->host))
			return -1;
		memcpy(t->host, s + 1, n);
		t->host[n] = '\0';
		*end = e + 1;
		return inet_pton(AF_INET6, t->host, addr) == 1 ? 0 : -1;
	}
	for (e = s; name_char(*e); e++)
		;
	if ((n = e - s) == 0 || n >= sizeof(t->host))
		return -1;
	memcpy(t->host, s, n);
	t->host[n] = '\0';
	*end = e;
	return 0;
}

/* ":PORT" at s, up to end. */
static int
parse_port(const char *s, const char *end, struct target *t)
{
	unsigned long long port;
	char digits[8];

	if (end - s < 2 || end - s > 6)
		return -1;
	memcpy(digits, s + 1, end - s - 1);
	digits[end - s - 1] = '\0';
	if (parse_number(digits, 65535, &port) < 0 || port == 0)
		return -1;
	snprintf(t->port, sizeof(t->port), "%u", (unsigned)port);
	return 0;
}

static int
parse_path(
    const char *spec, const char *path, struct target *t, char *err, size_t len)
{
	if (path[0] != '/')
		return fail(
		    err, len, "bad target '%s': needs an absolute path", spec);
	if (t->kind == TARGET_UNIX &&
	    strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return fail(err, len,
		    "bad target '%s': the socket's path is too long", spec);
	t->path = path;
	t->path_len = strlen(path);
	return 0;
}

/* tcp:// and http://: HOST[:PORT] and, for http, the path. */
static int
parse_net(
    const char *spec, const char *s, struct target *t, char *err, size_t len)
{
	const char *form = t->kind == TARGET_TCP
	    ? "bad target '%s': expected tcp://HOST:PORT"
	    : "bad target '%s': expected http://HOST[:PORT][/PATH]";
	const char *p, *q;
	size_t i;

	/* user:password@ has no use here, and the spec is not repeated:
	 * the message would put the password in the container's log */
	if (memchr(s, '@', strcspn(s, "/")))
		return fail(err, len,
		    "bad %s:// target: user:password@ is not supported "
		    "(the target is not repeated here)",
		    t->kind == TARGET_TCP ? "tcp" : "http");
	if (parse_host(s, t, &p) < 0)
		return fail(err, len, form, spec);
	q = p + strcspn(p, "/");
	if (t->kind == TARGET_TCP && (*p != ':' || *q != '\0'))
		return fail(err, len, form, spec);
	if (*p == ':' && parse_port(p, q, t) < 0)
		return fail(
		    err, len, "bad target '%s': bad port (1 to 65535)", spec);
	if (*p != ':' && p != q)
		return fail(err, len, form, spec);
	if (*p != ':')
		strcpy(t->port, "80");
	if (t->kind == TARGET_TCP)
		return 0;
	t->path = *q ? q : "/";
	t->path_len = strcspn(t->path, "#");
	/* the path goes into the request line as it is */
	for (i = 0; i < t->path_len; i++)
		if ((unsigned char)t->path[i] <= ' ' || t->path[i] == 0x7f)
			return fail(err, len,
			    "bad target '%s': a space or control character "
			    "in the path (percent-encode it)",
			    spec);
	return 0;
}

/*
 * The spec as messages show it: an http:// query (a token, often) as
 * "?...", and a spec too long for the buffer cut with "...".
 */
static void
show(const char *spec, char *out, size_t len)
{
	size_t n =
	    strncmp(spec, "http", 4) == 0 ? strcspn(spec, "?") : strlen(spec);
	const char *more = spec[n] ? "?..." : "";

	if (n + strlen(more) >= len) {
		n = len - 4;
		more = "...";
	}
	snprintf(out, len, "%.*s%s", (int)n, spec, more);
}

/* Parses spec into t, which points into it. Returns 0, or -1 with a
 * message in err (which shows the spec as t->shown does). */
int
target_parse(const char *spec, struct target *t, char *err, size_t len)
{
	memset(t, 0, sizeof(*t));
	t->spec = spec;
	show(spec, t->shown, sizeof(t->shown));
	if (strncmp(spec, "tcp://", 6) == 0) {
		t->kind = TARGET_TCP;
		return parse_net(t->shown, spec + 6, t, err, len);
	}
	if (strncmp(spec, "http://", 7) == 0) {
		t->kind = TARGET_HTTP;
		return parse_net(t->shown, spec + 7, t, err, len);
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		t->kind = TARGET_UNIX;
		return parse_path(t->shown, spec + 5, t, err, len);
	}
	if (strncmp(spec, "file:", 5) == 0) {
		t->kind = TARGET_FILE;
		return parse_path(t->shown, spec + 5, t, err, len);
	}
	if (strncmp(spec, "https://", 8) == 0 &&
	    memchr(spec + 8, '@', strcspn(spec + 8, "/"))) {
		snprintf(err, len,
		    "bad https:// target: https is out of scope, and "
		    "user:password@ is not supported (the target is not "
		    "repeated here)");
		return -1;
	}
	if (strncmp(spec, "https://", 8) == 0)
		return fail(err, len,
		    "'%s': https is out of scope (bosun has no TLS client); "
		    "check the plain-HTTP port, or wait for tcp://HOST:443",
		    t->shown);
	return fail(
	    err, len, "unknown kind of target '%s' (" KINDS ")", t->shown);
}
