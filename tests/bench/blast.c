// SPDX-License-Identifier: MIT
/*
 * blast PID FD SIG K: queues K signals SIG (K a multiple of 1,000) to PID
 * as fast as the kernel takes them (retrying while the queue is full),
 * then waits until sink has written K/1,000 bytes to the pipe read on FD;
 * prints the time from the first send to the last byte in ns.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
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
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	union sigval v = { 0 };
	long k, i, got = 0;
	long long t0;
	int fd, sig;
	char buf[256];
	ssize_t r;
	pid_t pid;

	if (argc != 5)
		return 2;
	pid = atoi(argv[1]);
	fd = atoi(argv[2]);
	sig = atoi(argv[3]);
	k = atol(argv[4]);
	setrlimit(RLIMIT_SIGPENDING, &rl);
	t0 = ns();
	for (i = 0; i < k; i++) {
		while (sigqueue(pid, sig, v) < 0) {
			if (errno != EAGAIN) {
				perror("blast: sigqueue");
				return 1;
			}
			sched_yield();
		}
	}
	while (got < k / 1000) {
		r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			return 1;
		got += r;
	}
	printf("%lld\n", ns() - t0);
	return 0;
}
