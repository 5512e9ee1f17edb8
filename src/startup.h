/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_STARTUP_H
#define BOSUN_STARTUP_H

#include <sys/types.h>

#include "signals.h"

int startup_begin(void);
int startup_reader(void);
void startup_deadline(long long ms);
void startup_hook(pid_t pgid);
void startup_stop(int sig);
int startup_stopped(void);
void startup_termlog(int fd);
void startup_drop_pending(ksigset keep);
int startup_end(void);
void startup_child(void);

#endif
