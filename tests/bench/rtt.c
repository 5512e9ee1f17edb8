// SPDX-License-Identifier: MIT
/*
 * rtt PID FD N: sends SIGUSR1 to PID N times, each time waiting for the
 * byte pong writes to the pipe read on FD; prints each round trip in ns.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long
ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int
main(int argc, char **argv)
{
	pid_t pid;
	int fd, n, i;
	long long t0;
	char c;

	if (argc != 4)
		return 2;
	pid = atoi(argv[1]);
	fd = atoi(argv[2]);
	n = atoi(argv[3]);
	for (i = 0; i < n; i++) {
		t0 = ns();
		if (kill(pid, SIGUSR1) < 0 || read(fd, &c, 1) != 1)
			return 1;
		printf("%lld\n", ns() - t0);
	}
	return 0;
}
