// SPDX-License-Identifier: MIT
/*
 * log: every line bosun prints about itself goes through here, to stderr,
 * as one write(2) so that lines from bosun and its command do not interleave
 * mid-line. errno is preserved so callers can log and then still report it.
 * Never pass a secret's value to these functions.
 *
 * Two formats: text ("bosun: warning: ...") and JSON, one object per line
 * with time (RFC 3339, UTC), level, msg and the fields that apply. The JSON
 * strings are escaped here (quotes, backslash, control characters) and
 * bytes that are not UTF-8 (a file name may hold any) become U+FFFD, so a
 * line is always valid JSON, even when cut to fit. The last error is kept
 * for the termination message of a failure before the command started.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "signals.h"

int log_level = LOG_LEVEL_QUIET;
int log_format = LOG_FORMAT_TEXT;

static char last_error[1024];

static const char *const sev_name[] = { "error", "warning", "info", "debug" };

/* The length of the valid UTF-8 sequence at s, 0 if there is none. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing above U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * s as a JSON string with its quotes, into out (NUL-terminated); cut,
 * never inside an escape or a character, so that the quotes still fit.
 * Returns the length written.
 */
size_t
log_json_string(char *out, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];
	const char *piece;
	size_t at = 0, n, k;

	if (len < 3) {
		if (len)
			out[0] = '\0';
		return 0;
	}
	out[at++] = '"';
	for (; *p; p += k) {
		k = 1;
		piece = esc;
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			n = 2;
		} else if (*p == '\n' || *p == '\t' || *p == '\r') {
			esc[0] = '\\';
			esc[1] = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
			n = 2;
		} else if (*p < 0x20 || *p == 0x7f) {
			n = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", *p);
		} else if ((k = utf8_len(p)) == 0) {
			k = 1;
			memcpy(esc, "\\ufffd", 6);
			n = 6;
		} else {
			piece = (const char *)p;
			n = k;
		}
		if (at + n + 2 > len)
			break;
		memcpy(out + at, piece, n);
		at += n;
	}
	out[at++] = '"';
	out[at] = '\0';
	return at;
}

/* The line to print for one message, with its newline; its length. Pure:
 * the time is given. */
size_t
log_format_line(char *buf, size_t len, int format, enum log_sev sev,
    const struct log_fields *f, const struct timespec *now, const char *msg)
{
	char fields[2400], s[1100], name[24];
	size_t at = 0, nf = 0, room;
	struct tm tm;
	int n;

	if (len < 2)
		return 0;
	if (format != LOG_FORMAT_JSON) {
		n = snprintf(buf, len, "bosun: %s%s",
		    sev == LOG_SEV_WARNING ? "warning: " : "", msg);
		at = n < 0 ? 0 : (size_t)n < len - 1 ? (size_t)n : len - 2;
		buf[at++] = '\n';
		buf[at] = '\0';
		return at;
	}
	fields[0] = '\0';
	if (f && f->pid)
		nf += snprintf(
		    fields + nf, sizeof(fields) - nf, ",\"pid\":%d", f->pid);
	if (f && f->signal)
		nf += snprintf(fields + nf, sizeof(fields) - nf,
		    ",\"signal\":\"%s\"",
		    sig_name(f->signal, name, sizeof(name)));
	if (f && f->has_status)
		nf += snprintf(fields + nf, sizeof(fields) - nf,
		    ",\"status\":%d", f->status);
	if (f && f->path) {
		log_json_string(s, sizeof(s), f->path);
		nf += snprintf(
		    fields + nf, sizeof(fields) - nf, ",\"path\":%s", s);
	}
	if (f && f->name) {
		log_json_string(s, sizeof(s), f->name);
		nf += snprintf(
		    fields + nf, sizeof(fields) - nf, ",\"name\":%s", s);
	}
	gmtime_r(&now->tv_sec, &tm);
	n = snprintf(buf, len,
	    "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\","
	    "\"level\":\"%s\",\"msg\":",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, now->tv_nsec / 1000000, sev_name[sev]);
	/* the head, the fields, "}\n" and the NUL must fit around msg */
	if (n < 0 || (size_t)n + nf + 3 + 3 > len)
		return 0;
	at = n;
	room = len - at - nf - 3;
	at += log_json_string(buf + at, room, msg);
	memcpy(buf + at, fields, nf);
	at += nf;
	memcpy(buf + at, "}\n", 3);
	return at + 2;
}

/* One message as one line in one write. */
void
log_line(enum log_sev sev, const struct log_fields *f, const char *fmt, ...)
{
	char msg[1024], buf[4096];
	int saved = errno;
	struct timespec now = { 0, 0 };
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	if (sev == LOG_SEV_ERROR)
		memcpy(last_error, msg, sizeof(msg));
	if (log_format == LOG_FORMAT_JSON)
		clock_gettime(CLOCK_REALTIME, &now);
	n = log_format_line(buf, sizeof(buf), log_format, sev, f, &now, msg);
	/* A failed write to stderr has nowhere to be reported. */
	if (n > 0 && write(STDERR_FILENO, buf, n) < 0)
		(void)0;
	errno = saved;
}

/* The last error logged, "" if none: why bosun failed before the start. */
const char *
log_last_error(void)
{
	return last_error;
}
