// SPDX-License-Identifier: MIT
/*
 * leftovers N FD [-i]: forks N children that sleep until killed (with -i
 * they ignore SIGTERM), writes one byte to FD once all exist, and exits:
 * the children are left to the init (or subreaper) above, for the
 * shutdown benchmarks. Also makes the bystanders of the descendant scan.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10, i;
	int fd = argc > 2 ? atoi(argv[2]) : -1;
	pid_t pid;

	if (argc > 3 && strcmp(argv[3], "-i") == 0)
		signal(SIGTERM, SIG_IGN);
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			perror("leftovers: fork");
			return 1;
		}
		if (pid == 0) {
			if (fd >= 0)
				close(fd);
			for (;;)
				pause();
		}
	}
	if (fd >= 0 && write(fd, "r", 1) != 1)
		return 1;
	return 0;
}
