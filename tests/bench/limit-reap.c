// SPDX-License-Identifier: MIT
/*
 * limit-reap CMD [ARG...]: the least an init does to run a command and
 * reap: fork, exec, then wait(2) for anything until CMD exits, with its
 * status. No signals, no shutdown: the floor for the reaping benchmark.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	pid_t child, pid;
	int st;

	if (argc < 2)
		return 2;
	child = fork();
	if (child == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (child < 0)
		return 2;
	while ((pid = wait(&st)) != child)
		if (pid < 0)
			return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
