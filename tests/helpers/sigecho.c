// SPDX-License-Identifier: MIT
/*
 * sigecho: a test command that takes every signal through a signalfd and
 * prints one line per signal: "NUM VALUE from PID code CODE" (VALUE is
 * sigqueue's payload, CODE the si_code: 0 for kill, -1 for sigqueue).
 * Blocks with raw system calls so that 32 and 33 count too.
 *   sigecho [-x SIG]... [-n]   exit 0 after receiving SIG; -n: print only
 *                              the count of signals received, at exit
 * Prints "ready" once it is listening.
 *   sigecho -q PID SIG VALUE   send SIG with sigqueue(3) payload VALUE to
 *                              PID, and exit
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	uint64_t all = ~(uint64_t)0, exit_on = 0;
	struct signalfd_siginfo si;
	long count = 0;
	int fd, quiet = 0, i;

	if (argc == 5 && strcmp(argv[1], "-q") == 0) {
		union sigval v = { .sival_int = atoi(argv[4]) };

		if (sigqueue(atoi(argv[2]), atoi(argv[3]), v) < 0) {
			perror("sigqueue");
			return 1;
		}
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-x") == 0 && i + 1 < argc)
			exit_on |= (uint64_t)1 << (atoi(argv[++i]) - 1);
		else if (strcmp(argv[i], "-n") == 0)
			quiet = 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, 8);
	fd = (int)syscall(SYS_signalfd4, -1, &all, 8, 0);
	if (fd < 0) {
		perror("signalfd");
		return 2;
	}
	printf("ready %d\n", (int)getpid());
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		count++;
		if (!quiet)
			printf("%u %d from %u code %d\n", si.ssi_signo,
			    si.ssi_int, si.ssi_pid, si.ssi_code);
		if (exit_on >> (si.ssi_signo - 1) & 1)
			break;
	}
	if (quiet)
		printf("count %ld\n", count);
	return 0;
}
