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
 * Returns the length written. Async-signal-safe (startup.c's handler).
 */
size_t
log_json_string(char *out, size_t len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
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
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			n = 6;
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

static char *
digits(char *p, long v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

/*
 * RFC 3339 in UTC with milliseconds: 2026-11-23T15:04:05.123Z. Plain
 * arithmetic (days to a civil date), so that startup.c's handler may call
 * it: async-signal-safe. len must be at least 25.
 */
void
log_json_time(char *buf, size_t len, const struct timespec *ts)
{
	long long days = ts->tv_sec / 86400, secs = ts->tv_sec % 86400;
	long long z = days + 719468, era, doe, yoe, doy, mp, y, m, d;
	char *p = buf;

	if (len < 25) {
		if (len)
			buf[0] = '\0';
		return;
	}
	/* the civil calendar from days since 1970-01-01 (proleptic
	 * Gregorian; eras of 400 years) */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	p = digits(p, (long)y, 4);
	*p++ = '-';
	p = digits(p, (long)m, 2);
	*p++ = '-';
	p = digits(p, (long)d, 2);
	*p++ = 'T';
	p = digits(p, (long)(secs / 3600), 2);
	*p++ = ':';
	p = digits(p, (long)(secs / 60 % 60), 2);
	*p++ = ':';
	p = digits(p, (long)(secs % 60), 2);
	*p++ = '.';
	p = digits(p, ts->tv_nsec / 1000000, 3);
	*p++ = 'Z';
	*p = '\0';
}

/* The line to print for one message, with its newline; its length. Pure:
 * the time is given. */
size_t
log_format_line(char *buf, size_t len, int format, enum log_sev sev,
    const struct log_fields *f, const struct timespec *now, const char *msg)
{
	char fields[2400], s[1100], name[24], t[32];
	size_t at = 0, nf = 0, room;
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
	log_json_time(t, sizeof(t), now);
	n = snprintf(buf, len, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", t,
	    sev_name[sev]);
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
