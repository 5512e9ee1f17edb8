// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD library for tests: execve waits until the file named by
 * SLOWEXEC_GO exists (at most 20 s), so a test can act on bosun's child
 * in the moment between fork and exec. Dynamic builds only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int execve(const char *path, char *const argv[], char *const envp[]);

int
execve(const char *path, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]);
	const char *go = getenv("SLOWEXEC_GO");
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; go && i < 20000 && access(go, F_OK) < 0; i++)
		nanosleep(&ms, NULL);
	real = (int (*)(const char *, char *const[], char *const[]))dlsym(
	    RTLD_NEXT, "execve");
	return real(path, argv, envp);
}
