// SPDX-License-Identifier: MIT
/*
 * limit-fwd CMD [ARG...]: the least an init does to forward signals: all
 * blocked, fork, exec; then take each with sigwaitinfo and forward it to
 * CMD with kill, reaping only on SIGCHLD; exits with CMD's status. Two
 * system calls per forwarded signal: the floor for the throughput test.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	sigset_t all, old;
	pid_t child, pid;
	int sig, st;

	if (argc < 2)
		return 2;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	child = fork();
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (child < 0)
		return 2;
	for (;;) {
		sig = sigwaitinfo(&all, NULL);
		if (sig == SIGCHLD) {
			while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
				if (pid == child)
					return WIFEXITED(st) ? WEXITSTATUS(st) :
							       128 + WTERMSIG(st);
		} else if (sig > 0) {
			kill(child, sig);
		}
	}
}
