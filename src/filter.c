// SPDX-License-Identifier: MIT
/*
 * filter: the seccomp filter, built with libseccomp in bosun before the
 * fork and loaded in the child as the very last step before exec.
 *
 * "baseline" is a deny list (EPERM) of what container applications do not
 * need and what escapes and kernel exploits use; everything else is
 * allowed. On x86-64 the i386 and x32 system call tables get the same
 * rules, so a 32-bit system call cannot go around them.
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "filter.h"
#include "parse.h"

static const char *const baseline_calls[] = {
	/* kernel modules, kexec, reboot, swap */
	"init_module",
	"finit_module",
	"delete_module",
	"kexec_load",
	"kexec_file_load",
	"reboot",
	"swapon",
	"swapoff",
	/* mounts, old and new API, and pivot_root */
	"mount",
	"umount",
	"umount2",
	"mount_setattr",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"open_tree",
	"move_mount",
	"pivot_root",
	/* namespaces (clone's flags below; clone3's cannot be inspected) */
	"unshare",
	"setns",
	/* kernel attack surface */
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"keyctl",
	"add_key",
	"request_key",
	"open_by_handle_at",
	"iopl",
	"ioperm",
	"acct",
	"quotactl",
	"quotactl_fd",
	"lookup_dcookie",
	/* clocks and time */
	"clock_settime",
	"clock_adjtime",
	"settimeofday",
	"adjtimex",
	"stime",
	/* the kernel log */
	"syslog",
	/* io_uring bypasses the filter for the operations it performs */
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
};

/* Checks that every name in a comma-separated list is a system call. */
int
filter_check_syscalls(const char *list, char *err, size_t len)
{
	const char *cursor = list, *p;
	char name[64];
	size_t n;

	while (parse_list_next(&cursor, &p, &n)) {
		if (n == 0)
			continue;
		if (parse_list_copy(p, n, name, sizeof(name)) < 0 ||
		    seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR) {
			snprintf(err, len, "unknown system call '%.*s'",
			    (int)(n < 64 ? n : 64), p);
			return -1;
		}
		/* the child tells bosun and the user with these that it
		 * failed to start the command, after the filter is loaded */
		if (strcmp(name, "write") == 0 || strcmp(name, "writev") == 0) {
			snprintf(err, len,
			    "%s cannot be denied: bosun reports a failure to "
			    "start the command with it",
			    name);
			return -1;
		}
	}
	return 0;
}

/* Denies one call by name; names unknown on this machine are skipped. */
static int
deny_syscall(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
}

static int
deny_list(scmp_filter_ctx ctx, const char *list)
{
	const char *cursor = list, *p;
	char name[64];
	size_t n;
	int r;

	while (parse_list_next(&cursor, &p, &n))
		if (parse_list_copy(p, n, name, sizeof(name)) == 0 && n &&
		    (r = deny_syscall(ctx, name)) < 0)
			return r;
	return 0;
}

static int
add_baseline(scmp_filter_ctx ctx)
{
	static const unsigned long ns[] = { CLONE_NEWNS, CLONE_NEWUTS,
		CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
		CLONE_NEWCGROUP };
	size_t i;
	int r;

	for (i = 0; i < sizeof(baseline_calls) / sizeof(baseline_calls[0]); i++)
		if ((r = deny_syscall(ctx, baseline_calls[i])) < 0)
			return r;
	/* clone with any namespace flag; its flags are argument 0 */
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		         SCMP_SYS(clone), 1,
		         SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]))) < 0)
			return r;
	/* clone3 passes its flags in memory, out of a filter's reach:
	 * ENOSYS makes the C libraries fall back to clone */
	if ((r = seccomp_rule_add(
	         ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
		return r;
	/* TIOCSTI pushes keystrokes into the terminal */
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
}

/*
 * Builds a filter: the baseline profile if asked, plus the system calls of
 * deny (a comma-separated list, or NULL); nnp, whether NO_NEW_PRIVS will
 * be set. *filter is NULL when neither is asked for. Returns 0, or -1 with
 * a message in err.
 */
/*
 * The other system call tables a process on this kernel can use: a 64-bit
 * kernel runs 32-bit programs, and a 32-bit bosun may be running on a
 * 64-bit kernel whose command is 64-bit. Each gets the same rules.
 */
static int
add_compat_arches(scmp_filter_ctx ctx)
{
	static const struct {
		uint32_t native, other[2];
	} compat[] = {
		{ SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 } },
		{ SCMP_ARCH_X86, { SCMP_ARCH_X86_64, SCMP_ARCH_X32 } },
		{ SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM, 0 } },
		{ SCMP_ARCH_ARM, { SCMP_ARCH_AARCH64, 0 } },
		{ SCMP_ARCH_S390X, { SCMP_ARCH_S390, 0 } },
		{ SCMP_ARCH_PPC64, { SCMP_ARCH_PPC, 0 } },
	};
	uint32_t native = seccomp_arch_native();
	size_t i, j;
	int r;

	for (i = 0; i < sizeof(compat) / sizeof(compat[0]); i++) {
		if (compat[i].native != native)
			continue;
		for (j = 0; j < 2 && compat[i].other[j]; j++) {
			r = seccomp_arch_add(ctx, compat[i].other[j]);
			if (r < 0 && r != -EEXIST)
				return r;
		}
	}
	return 0;
}

int
filter_build(int baseline, const char *deny, int nnp, void **filter, char *err,
    size_t len)
{
	scmp_filter_ctx ctx;
	int r = 0;

	*filter = NULL;
	if (!baseline && !deny)
		return 0;
	if (!(ctx = seccomp_init(SCMP_ACT_ALLOW))) {
		snprintf(err, len, "cannot create a seccomp filter");
		return -1;
	}
	r = add_compat_arches(ctx);
	if (r == 0 && baseline)
		r = add_baseline(ctx);
	if (r == 0 && deny)
		r = deny_list(ctx, deny);
	/* seccomp needs NO_NEW_PRIVS or CAP_SYS_ADMIN; which is decided by
	 * --allow-new-privs, not silently here */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, nnp ? 1 : 0);
	if (r < 0) {
		snprintf(err, len, "cannot build the seccomp filter: %s",
		    strerror(-r));
		seccomp_release(ctx);
		return -1;
	}
	*filter = ctx;
	return 0;
}

/* Runs in the child, last before exec. */
int
filter_load(void *filter, char *err, size_t len)
{
	int r = seccomp_load(filter);

	if (r < 0) {
		snprintf(err, len, "cannot load the seccomp filter: %s",
		    strerror(-r));
		return -1;
	}
	return 0;
}

/* The parent's copy, once the child has it. */
void
filter_free(void *filter)
{
	if (filter)
		seccomp_release(filter);
}
