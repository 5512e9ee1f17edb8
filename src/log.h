/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_LOG_H
#define BOSUN_LOG_H

/* Verbosity levels: errors and warnings always print. */
enum { LOG_LEVEL_QUIET = 0, LOG_LEVEL_INFO = 1, LOG_LEVEL_DEBUG = 2 };

extern int log_level;

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_info(...)                                                          \
	do {                                                                   \
		if (log_level >= LOG_LEVEL_INFO)                               \
			log_msg(LOG_LEVEL_INFO, __VA_ARGS__);                  \
	} while (0)

#define log_debug(...)                                                         \
	do {                                                                   \
		if (log_level >= LOG_LEVEL_DEBUG)                              \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                 \
	} while (0)

#endif
