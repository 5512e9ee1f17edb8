// SPDX-License-Identifier: MIT
/*
 * Test helper: makes system calls the seccomp baseline is about and prints
 * one line per call, "NAME ok" or "NAME ERRNO" (EPERM, ENOSYS, ...):
 * clone with each namespace flag, plain clone, clone3, and on x86-64 the
 * i386 table through int $0x80 (unshare(0) is call 310, getpid 20). A
 * child that a call created exits at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *
ename(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case ENOSYS:
		return "ENOSYS";
	case EINVAL:
		return "EINVAL";
	default:
		return strerror(e);
	}
}

/* r is a raw result: a child's pid, which is reaped, or -errno. */
static void
report(const char *name, long r)
{
	if (r > 0)
		waitpid(r, NULL, __WALL);
	printf("%s %s\n", name, r >= 0 ? "ok" : ename(-r));
	fflush(stdout);
}

static long
raw(long r)
{
	return r < 0 ? -errno : r;
}

static void
try_clone(const char *name, unsigned long flags)
{
	pid_t me = getpid();
	long r = raw(syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0));

	if (r == 0 && getpid() != me)
		_exit(0);
	report(name, r);
}

int
main(void)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} ns[] = { { "clone-newns", CLONE_NEWNS },
		{ "clone-newuts", CLONE_NEWUTS }, { "clone-newipc", CLONE_NEWIPC },
		{ "clone-newuser", CLONE_NEWUSER },
		{ "clone-newpid", CLONE_NEWPID }, { "clone-newnet", CLONE_NEWNET },
		{ "clone-newcgroup", CLONE_NEWCGROUP } };
	struct clone_args ca = { .exit_signal = SIGCHLD };
	pid_t me = getpid();
	long r;

	try_clone("clone", 0);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		try_clone(ns[i].name, ns[i].flag);

	r = raw(syscall(SYS_clone3, &ca, sizeof(ca)));
	if (r == 0 && getpid() != me)
		_exit(0);
	report("clone3", r);

#if defined(__x86_64__)
	/* the i386 table from a 64-bit process; the result is -errno */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	report("i386-getpid", r == me ? 0 : r);
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(310L), "b"(0L) : "memory");
	report("i386-unshare", r);
	/* mount(NULL, NULL, NULL, 0, NULL): EFAULT from the kernel */
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(21L), "b"(0L), "c"(0L), "d"(0L), "S"(0L),
			 "D"(0L)
			 : "memory");
	report("i386-mount", r);
#endif
	return 0;
}
