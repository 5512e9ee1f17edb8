/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_LOG_H
#define BOSUN_LOG_H

/* Verbosity levels (--verbose): errors and warnings always print. The
 * names stay clear of <syslog.h>'s LOG_INFO and LOG_DEBUG. */
enum { LOG_LEVEL_QUIET = 0, LOG_LEVEL_INFO = 1, LOG_LEVEL_DEBUG = 2 };

extern int log_level;

void log_line(const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_line("", __VA_ARGS__)
#define log_warn(...) log_line("warning: ", __VA_ARGS__)

#define log_info(...)                                                          \
	do {                                                                   \
		if (log_level >= LOG_LEVEL_INFO)                               \
			log_line("", __VA_ARGS__);                             \
	} while (0)

#define log_debug(...)                                                         \
	do {                                                                   \
		if (log_level >= LOG_LEVEL_DEBUG)                              \
			log_line("", __VA_ARGS__);                             \
	} while (0)

#endif
