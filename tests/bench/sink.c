// SPDX-License-Identifier: MIT
/*
 * sink FD SIG: the app of the forwarding throughput benchmark. Takes
 * signal SIG (a real-time one: they queue, so none is lost or merged)
 * synchronously and writes one byte to FD for every 1,000 it has taken;
 * writes "r" to FD when ready, exits 0 on SIGTERM.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int fd = argc > 1 ? atoi(argv[1]) : 3;
	int sig = argc > 2 ? atoi(argv[2]) : 40, got;
	unsigned long n = 0;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (write(fd, "r", 1) != 1)
		return 2;
	for (;;) {
		got = sigwaitinfo(&set, NULL);
		if (got == SIGTERM)
			return 0;
		if (got == sig && ++n % 1000 == 0 && write(fd, "k", 1) != 1)
			return 2;
	}
}
