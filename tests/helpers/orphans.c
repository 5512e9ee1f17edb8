// SPDX-License-Identifier: MIT
/*
 * orphans N: makes N orphans as fast as it can (each a grandchild whose
 * parent has already exited), then exits. Prints how many it made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000, i, made = 0;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid == 0) {
			if (fork() < 0)
				_exit(1);
			_exit(0);
		}
		if (pid < 0) {
			perror("fork");
			break;
		}
		if (waitpid(pid, NULL, 0) == pid)
			made++;
	}
	printf("made %ld\n", made);
	return 0;
}
