/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_SIGNALS_H
#define BOSUN_SIGNALS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/*
 * Signals are numbered as the kernel numbers them, 1..64. The real-time
 * names follow glibc and util-linux kill(1): RTMIN is 34, RTMAX is 64.
 * (musl's SIGRTMIN macro is 35; we do not use the libc macros.)
 */
#define SIG_MAX 64
#define SIG_RTMIN 34

/* A kernel signal set: bit n-1 stands for signal n. */
typedef uint64_t ksigset;

/* where each received signal goes: to[sig] is what is delivered, 0 drops */
struct sigmap {
	unsigned char to[SIG_MAX + 1];
};

int sig_parse(const char *s);
const char *sig_name(int sig, char *buf, unsigned len);
int sig_catchable(int sig);
int sig_is_stop(int sig);
void sig_map_init(struct sigmap *m);
int sig_map_add(struct sigmap *m, const char *spec, char *err, size_t len);

int sig_block_all(ksigset *old);
int sig_set_mask(ksigset mask);
int sig_wait(const struct timespec *timeout, siginfo_t *info);
int sig_take(ksigset set, siginfo_t *info);
int sig_send(pid_t pid, int sig, const siginfo_t *got);

#endif
