// SPDX-License-Identifier: MIT
/*
 * why: the one line that says why the command ended, for Kubernetes'
 * termination message (terminationMessagePath). Pure: a struct of facts in,
 * text out. The line is at most WHY_MAX bytes with its newline, has no
 * control characters (a file name in an error cannot break it in two), and
 * is cut at a character boundary when it is too long. It carries what
 * bosun's own messages carry and never a value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "signals.h"
#include "why.h"

struct out {
	char *buf;
	size_t len, at;
};

static void add(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends; what does not fit is cut (why_message cuts again, cleanly). */
static void
add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->at + 1 >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->at, o->len - o->at, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->at += (size_t)n < o->len - o->at ? (size_t)n : o->len - o->at - 1;
}

/* "256 MiB", "63.9 MiB", "512 KiB", "2 GiB", "100 bytes". */
void
why_bytes(long long bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	long long scale = 1024;
	int u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%lld bytes", bytes);
		return;
	}
	while (u < 3 && bytes >= scale * 1024) {
		scale *= 1024;
		u++;
	}
	if (bytes % scale == 0)
		snprintf(buf, len, "%lld %s", bytes / scale, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", (double)bytes / scale, unit[u]);
}

/* An option's duration as it would be written: "20s", "250ms". */
void
why_duration(long long ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", ms / 1000);
	else
		snprintf(buf, len, "%lldms", ms);
}

/*
 * The length of s's first n bytes cut to at most max, not inside a UTF-8
 * sequence: the last character kept is whole (one already cut short, as
 * by a truncated message, is left out too).
 */
size_t
why_clip(const char *s, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t cut = n < max ? n : max, lead;
	unsigned need;

	if (cut == 0)
		return 0;
	/* back to the byte that starts the last character before the cut */
	lead = cut - 1;
	while (lead > 0 && lead + 4 > cut && (u[lead] & 0xc0) == 0x80)
		lead--;
	if ((u[lead] & 0xc0) == 0x80)
		return cut; /* not UTF-8 here: any cut is as good */
	if (u[lead] >= 0xf0)
		need = 4;
	else if (u[lead] >= 0xe0)
		need = 3;
	else if (u[lead] >= 0xc0)
		need = 2;
	else
		need = 1;
	return lead + need > cut ? lead : cut;
}

static const char *
name(int sig, char *buf, size_t len)
{
	return sig_name(sig, buf, (unsigned)len);
}

static void
cause(struct out *o, const struct why *w)
{
	char a[32], b[32], d[32];
	int st = w->wstatus;

	if (w->not_started) {
		add(o, "not started: %s", w->not_started);
		return;
	}
	if (w->oom) {
		add(o, "killed by the OOM killer");
		if (w->mem_max >= 0)
			why_bytes(w->mem_max, a, sizeof(a));
		if (w->mem_peak >= 0)
			why_bytes(w->mem_peak, b, sizeof(b));
		if (w->mem_max >= 0 && w->mem_peak >= 0)
			add(o, " (memory.max %s, peak %s)", a, b);
		else if (w->mem_max >= 0)
			add(o, " (memory.max %s)", a);
		else if (w->mem_peak >= 0)
			add(o, " (peak %s)", b);
		return;
	}
	if (w->kill_after_fired && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
		why_duration(w->kill_after, d, sizeof(d));
		add(o, "ignored %s; SIGKILL after --kill-after %s",
		    name(w->stop_as ? w->stop_as : w->stop_sig, a, sizeof(a)),
		    d);
		return;
	}
	if (w->stop_sig) {
		add(o, "stopped by %s from outside",
		    name(w->stop_sig, a, sizeof(a)));
		if (w->stop_as && w->stop_as != w->stop_sig)
			add(o, " (forwarded as %s)",
			    name(w->stop_as, a, sizeof(a)));
		add(o, ", ");
	}
	if (WIFEXITED(st))
		add(o, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		add(o, "killed by %s%s", name(WTERMSIG(st), a, sizeof(a)),
		    WCOREDUMP(st) ? " (core dumped)" : "");
	else
		add(o, "ended with status 0x%x", (unsigned)st);
	if (w->stop_sig && w->stop_ms >= 0)
		add(o, " after %lld.%lld s", w->stop_ms / 1000,
		    w->stop_ms % 1000 / 100);
}

/*
 * The message, with its newline, into buf (NUL-terminated): at most
 * WHY_MAX bytes and at most len - 1. Returns 0, or -1 when len is too
 * small for any message.
 */
int
why_message(const struct why *w, char *buf, size_t len)
{
	char line[WHY_MAX + 256], d[32];
	struct out o = { line, sizeof(line), 0 };
	size_t i, max;

	if (len < 2)
		return -1;
	cause(&o, w);
	if (w->leftovers) {
		add(&o, "; %zu leftover process%s killed", w->leftovers,
		    w->leftovers == 1 ? "" : "es");
		why_duration(w->grace, d, sizeof(d));
		if (w->leftovers_by == WHY_KILL_AFTER)
			add(&o, " after --kill-after %s", d);
		else if (w->grace == 0)
			add(&o, " at once (--grace 0)");
		else
			add(&o, " after --grace %s", d);
	}
	/* one line: no control character survives */
	for (i = 0; i < o.at; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	max = len - 1 < WHY_MAX ? len - 1 : WHY_MAX;
	i = why_clip(line, o.at, max - 1);
	memcpy(buf, line, i);
	buf[i++] = '\n';
	buf[i] = '\0';
	return 0;
}
