/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_FILES_H
#define BOSUN_FILES_H

#include <stddef.h>

/*
 * The path being opened or read by this module (a copy of configuration,
 * never a value) while that is in progress, NULL otherwise: for a message
 * from a signal handler when a read stalls (startup.c).
 */
extern const char *volatile files_reading;

void files_join(char *buf, size_t len, const char *dir, const char *name);
void files_reading_start(const char *path, const char *name);
void files_reading_done(void);
int files_read(const char *path, size_t max, char **out, size_t *n);
int files_read_fd(int fd, size_t max, char **out, size_t *n);
int files_grow(char **buf, size_t len, size_t *cap, size_t want);
int files_list_dir(const char *dir, int hidden, char ***names, size_t *count);
void files_free_list(char **names, size_t n);

#endif
