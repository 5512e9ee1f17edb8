// SPDX-License-Identifier: MIT
/*
 * cpurun [-n] [-o OUT] -- CMD [ARG...]: the bench's stopwatch. Runs CMD as
 * a child (with -n: as PID 1 of a new pid namespace with its own /proc)
 * and, once it has exited but before reaping it, reads the CPU it used
 * from /proc/PID/schedstat (its own user + system time in ns, excluding
 * its children's). Writes "CPU_NS WALL_NS STATUS" to OUT (default
 * stderr), wall time from fork to exit; exits with CMD's status (128+N if
 * signal N killed it). With -n, CMD's exit ends the namespace: the kernel
 * kills and reaps whatever is left there before CMD becomes a zombie, so
 * that cost is in CPU_NS too. cpurun and CMD die with their parent (the
 * bench), so that an interrupted run leaves nothing behind.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
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
	int newns = 0, c, st;
	const char *out = NULL;
	long long t0, t1, cpu = -1;
	char path[64];
	siginfo_t si;
	FILE *f;
	pid_t pid;

	while ((c = getopt(argc, argv, "+no:")) != -1) {
		if (c == 'n')
			newns = 1;
		else if (c == 'o')
			out = optarg;
		else
			return 2;
	}
	if (optind >= argc)
		return 2;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (newns && unshare(CLONE_NEWPID) < 0) {
		perror("cpurun: unshare");
		return 2;
	}
	t0 = ns();
	pid = fork();
	if (pid < 0) {
		perror("cpurun: fork");
		return 2;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (newns && (unshare(CLONE_NEWNS) < 0 ||
			      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE,
				  NULL) < 0 ||
			      mount("proc", "/proc", "proc",
				    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)) {
			perror("cpurun: mount /proc");
			_exit(2);
		}
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	while (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) < 0)
		;
	t1 = ns();
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%lld", &cpu) != 1)
			cpu = -1;
		fclose(f);
	}
	waitpid(pid, &st, 0);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	f = out ? fopen(out, "a") : stderr;
	if (f == NULL)
		return 2;
	fprintf(f, "%lld %lld %d\n", cpu, t1 - t0, st);
	if (out)
		fclose(f);
	return st;
}
