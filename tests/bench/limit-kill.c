// SPDX-License-Identifier: MIT
/*
 * limit-kill GRACE_MS CMD [ARG...]: the least a PID 1 does for a graceful
 * stop: fork, exec, reap until CMD exits; then kill(-1, SIGTERM), reap for
 * at most GRACE_MS; if anything is left, kill(-1, SIGKILL) once and reap
 * until nothing is left. The floor for the shutdown benchmark.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
on_alarm(int sig)
{
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerspec it = { { 0, 0 }, { 0, 0 } };
	pid_t child, pid;
	timer_t timer;
	int st = 0, cst = 0;
	long ms;

	if (argc < 3)
		return 2;
	ms = atol(argv[1]);
	child = fork();
	if (child == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (child < 0)
		return 2;
	while ((pid = wait(&st)) != child)
		if (pid < 0)
			return 2;
	cst = st;
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: wait returns EINTR */
	timer_create(CLOCK_MONOTONIC, NULL, &timer);
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_nsec = ms % 1000 * 1000000;
	it.it_interval.tv_nsec = 10000000; /* again, should one come early */
	timer_settime(timer, 0, &it, NULL);
	kill(-1, SIGTERM);
	while (wait(NULL) > 0)
		;
	if (errno == EINTR) {
		kill(-1, SIGKILL);
		while (wait(NULL) > 0 || errno == EINTR)
			;
	}
	return WIFEXITED(cst) ? WEXITSTATUS(cst) : 128 + WTERMSIG(cst);
}
