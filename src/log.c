// SPDX-License-Identifier: MIT
/*
 * log: every line bosun prints about itself goes through here, to stderr,
 * as one write(2) so that lines from bosun and its command do not interleave
 * mid-line. errno is preserved so callers can log and then still report it.
 * Never pass a secret's value to these functions.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

int log_level = LOG_LEVEL_QUIET;

/* "bosun: PREFIX" and the message, as one line in one write. */
void
log_line(const char *prefix, const char *fmt, ...)
{
	char buf[1024];
	int saved = errno;
	va_list ap;
	int n, m;

	n = snprintf(buf, sizeof(buf), "bosun: %s", prefix);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* A failed write to stderr has nowhere to be reported. */
	if (write(STDERR_FILENO, buf, n) < 0)
		(void)0;
	errno = saved;
}
