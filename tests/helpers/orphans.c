// SPDX-License-Identifier: MIT
/*
 * orphans N: makes N orphans as fast as it can, then exits. Each short-lived
 * parent forks up to 100 children and exits at once, so they are all
 * re-parented to the init (or subreaper) above. Prints how many it made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define BATCH 100

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000, made = 0, k, i;
	pid_t pid;

	while (made < n) {
		k = n - made < BATCH ? n - made : BATCH;
		pid = fork();
		if (pid == 0) {
			for (i = 0; i < k; i++)
				if (fork() == 0)
					_exit(0);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
			perror("orphans");
			break;
		}
		made += k;
	}
	printf("made %ld\n", made);
	return 0;
}
