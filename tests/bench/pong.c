// SPDX-License-Identifier: MIT
/*
 * pong FD [-i]: the app of the forwarding benchmark. Takes signals
 * synchronously and writes one byte to FD for every SIGUSR1; exits 0 on
 * SIGTERM, unless given -i (then it ignores SIGTERM, for stop times).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int fd = argc > 1 ? atoi(argv[1]) : 3, sig;
	int ignore_term = argc > 2 && strcmp(argv[2], "-i") == 0;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (write(fd, "r", 1) != 1)
		return 2;
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGUSR1 && write(fd, "x", 1) != 1)
			return 2;
		if (sig == SIGTERM && !ignore_term)
			return 0;
	}
}
