// SPDX-License-Identifier: MIT
/*
 * brood DIR [MAX]: forks children in a tight loop until it gets SIGTERM
 * (or has made MAX, default 3000), for tests of a drain racing fork.
 * Appends to DIR/log, one write(2) per line:
 *   "born PID" for each child, written by brood after fork returns;
 *   "late PID" instead for a child whose fork returned after brood's own
 *   SIGTERM, which brood passes on to it;
 *   "TERM PID" by any of them (brood or a child) that gets SIGTERM.
 * A child waits for SIGTERM and exits on it; brood stops forking on it,
 * waits until it has written every line, and exits. A process that never
 * got SIGTERM (killed by SIGKILL) leaves no TERM line.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int logfd;
static pid_t brood;
static volatile sig_atomic_t stop;

/* async-signal-safe "WORD PID\n" */
static void
line(const char *word, pid_t pid)
{
	char buf[32], num[12];
	size_t n = strlen(word), k = 0;
	unsigned v = (unsigned)pid;

	memcpy(buf, word, n);
	buf[n++] = ' ';
	do
		num[k++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (k)
		buf[n++] = num[--k];
	buf[n++] = '\n';
	write(logfd, buf, n);
}

static void
on_term(int sig)
{
	line("TERM", getpid());
	if (getpid() != brood)
		_exit(0);
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	long max = argc > 2 ? atol(argv[2]) : 3000, made = 0;
	char path[4096];
	pid_t pid;

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s/log", argv[1]);
	logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		perror(path);
		return 2;
	}
	brood = getpid();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop && made < max) {
		pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		if (pid > 0 && stop) {
			/* the fork returned after our own SIGTERM was handled:
			 * it may have been restarted after the handler (a
			 * signal that comes at the start of fork restarts it),
			 * so the child may be younger than every drain; as
			 * its parent, pass the stop on */
			line("late", pid);
			kill(pid, SIGTERM);
		} else if (pid > 0) {
			line("born", pid);
			made++;
		}
	}
	while (!stop)
		pause();
	return 0;
}
