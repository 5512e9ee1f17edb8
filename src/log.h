/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_LOG_H
#define BOSUN_LOG_H

#include <stddef.h>
#include <time.h>

/* Verbosity levels (--verbose): errors and warnings always print. The
 * names stay clear of <syslog.h>'s LOG_INFO and LOG_DEBUG. */
enum { LOG_LEVEL_QUIET = 0, LOG_LEVEL_INFO = 1, LOG_LEVEL_DEBUG = 2 };

/* How severe one message is: the "level" of a JSON line. */
enum log_sev { LOG_SEV_ERROR, LOG_SEV_WARNING, LOG_SEV_INFO, LOG_SEV_DEBUG };

/* --log-format */
enum { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON = 1 };

extern int log_level;
extern int log_format;

/* Fields of a JSON line, where they apply; never a value. */
struct log_fields {
	int pid;    /* 0: none */
	int signal; /* 0: none */
	int status; /* with has_status */
	int has_status;
	const char *path; /* NULL: none */
	const char *name;
};

void log_line(enum log_sev sev, const struct log_fields *f, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
size_t log_format_line(char *buf, size_t len, int format, enum log_sev sev,
    const struct log_fields *f, const struct timespec *now, const char *msg);
size_t log_json_string(char *out, size_t len, const char *s);
void log_json_time(char *buf, size_t len, const struct timespec *ts);
const char *log_last_error(void);

#define log_error(...) log_line(LOG_SEV_ERROR, NULL, __VA_ARGS__)
#define log_warn(...) log_line(LOG_SEV_WARNING, NULL, __VA_ARGS__)
#define log_warn_with(f, ...) log_line(LOG_SEV_WARNING, f, __VA_ARGS__)

#define log_info(...)                                                          \
	do {                                                                   \
		if (log_level >= LOG_LEVEL_INFO)                               \
			log_line(LOG_SEV_INFO, NULL, __VA_ARGS__);             \
	} while (0)

#define log_info_with(f, ...)                                                  \
	do {                                                                   \
		if (log_level >= LOG_LEVEL_INFO)                               \
			log_line(LOG_SEV_INFO, f, __VA_ARGS__);                \
	} while (0)

#define log_debug(...)                                                         \
	do {                                                                   \
		if (log_level >= LOG_LEVEL_DEBUG)                              \
			log_line(LOG_SEV_DEBUG, NULL, __VA_ARGS__);            \
	} while (0)

#endif
