// SPDX-License-Identifier: MIT
/* privdrop: capability lists, and the check after the drop. */
#include <criterion/criterion.h>
#include <linux/capability.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privdrop.h"

static char err[256];

Test(caps, names_with_or_without_cap_in_any_case)
{
	uint64_t c = 0;

	cr_assert_eq(privdrop_parse_caps("net_bind_service", &c, err, sizeof(err)), 0);
	cr_assert_eq(c, 1ULL << CAP_NET_BIND_SERVICE);
	c = 0;
	cr_assert_eq(privdrop_parse_caps("CAP_CHOWN,Net_Admin,cap_sys_ptrace", &c,
			 err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(c, (1ULL << CAP_CHOWN) | (1ULL << CAP_NET_ADMIN) |
			(1ULL << CAP_SYS_PTRACE));
}

Test(caps, empty_items_are_ignored_and_lists_accumulate)
{
	uint64_t c = 1ULL << CAP_KILL;

	cr_assert_eq(privdrop_parse_caps(",chown,,", &c, err, sizeof(err)), 0);
	cr_assert_eq(c, (1ULL << CAP_KILL) | (1ULL << CAP_CHOWN));
	cr_assert_eq(privdrop_parse_caps("", &c, err, sizeof(err)), 0);
}

Test(caps, unknown_names_are_errors)
{
	uint64_t c = 0;
	const char *bad[] = { "bogus", "net_bind_service,nope", "cap_", "7",
		"cap_7", "all", "net bind service",
		"a_very_long_capability_name_that_cannot_exist_anywhere_at_all" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(privdrop_parse_caps(bad[i], &c, err, sizeof(err)), -1,
		    "%s", bad[i]);
		cr_assert(strstr(err, "unknown capability"), "%s", err);
	}
}

/*
 * privdrop_verify in a forked child whose ids and capabilities the test
 * sets up by hand; the child's exit code is the verdict (0 or 1), and the
 * message goes back through a pipe. Needs root.
 */
static int
verify_in_child(uid_t uid, gid_t gid, uint64_t keep, uint64_t asked,
    char *msg, size_t len)
{
	struct ident u = { .uid = uid, .gid = gid, .ngroups = 1 };
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	int fd[2], st;
	pid_t pid;
	ssize_t n;

	u.groups[0] = gid;
	cr_assert_eq(pipe(fd), 0);
	if ((pid = fork()) == 0) {
		close(fd[0]);
		if (uid != 0) {
			prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
			if (setgroups(1, &gid) < 0 ||
			    setresgid(gid, gid, gid) < 0 ||
			    setresuid(uid, uid, uid) < 0)
				_exit(2);
			d[0].permitted = d[0].effective = (uint32_t)keep;
			d[1].permitted = d[1].effective = (uint32_t)(keep >> 32);
			if (syscall(SYS_capset, &h, d) < 0)
				_exit(3);
		}
		err[0] = '\0';
		st = privdrop_verify(&u, asked, err, sizeof(err));
		if (write(fd[1], err, strlen(err)) < 0)
			_exit(4);
		_exit(st < 0);
	}
	close(fd[1]);
	n = read(fd[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fd[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) < 2, "setup failed: %d", st);
	return WEXITSTATUS(st);
}

#define CAP(n) ((uint64_t)1 << (n))

Test(verify, group_0_is_not_root)
{
	char msg[256];

	if (geteuid() != 0)
		cr_skip_test("needs root");
	cr_assert_eq(verify_in_child(1000, 0, 0, 0, msg, sizeof(msg)), 0,
	    "%s", msg);
	cr_assert_eq(verify_in_child(1000680000, 0, 0, 0, msg, sizeof(msg)),
	    0, "%s", msg);
	cr_assert_eq(verify_in_child(1000, 1000, 0, 0, msg, sizeof(msg)), 0,
	    "%s", msg);
}

Test(verify, root_left_is_refused)
{
	char msg[256];

	if (geteuid() != 0)
		cr_skip_test("needs root");
	/* uid 0 asked for, with every capability: uid 0 is no regain, but
	 * the gid could change */
	cr_assert_eq(verify_in_child(0, 0, 0, 0, msg, sizeof(msg)), 1);
	cr_assert(strstr(msg, "group could be changed"), "%s", msg);
	cr_assert_eq(verify_in_child(1000, 0, CAP(CAP_SETUID), 0, msg,
			 sizeof(msg)),
	    1);
	cr_assert_str_eq(msg, "root could be regained after the drop");
	cr_assert_eq(verify_in_child(1000, 0, CAP(CAP_SETUID), CAP(CAP_SETUID),
			 msg, sizeof(msg)),
	    0, "asked for with --caps: %s", msg);
}

Test(verify, a_gid_that_can_change_is_refused)
{
	char msg[256];

	if (geteuid() != 0)
		cr_skip_test("needs root");
	cr_assert_eq(verify_in_child(1000, 0, CAP(CAP_SETGID), 0, msg,
			 sizeof(msg)),
	    1);
	cr_assert(strstr(msg, "group could be changed"), "%s", msg);
	cr_assert_eq(verify_in_child(1000, 50, CAP(CAP_SETGID), 0, msg,
			 sizeof(msg)),
	    1);
	cr_assert(strstr(msg, "group could be changed"), "%s", msg);
	cr_assert_eq(verify_in_child(1000, 0, CAP(CAP_SETGID), CAP(CAP_SETGID),
			 msg, sizeof(msg)),
	    0, "asked for with --caps: %s", msg);
}
