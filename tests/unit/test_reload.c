// SPDX-License-Identifier: MIT
/* reload: the sources read again in a child process, the environment
 * handed back through a memfd. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envlist.h"
#include "reload.h"

static char *const base[] = { "PATH=/bin", "EMPTY=", NULL };

/* A reader's work: the base environment plus two values. */
static int
read_two(void *arg, struct envlist *env)
{
	cr_assert_eq(envlist_init(env, base), 0);
	cr_assert_eq(envlist_set(env, "A", (const char *)arg), 0);
	cr_assert_eq(envlist_set(env, "B", "x=y"), 0);
	envlist_unset(env, "PATH");
	return 0;
}

static int
read_none(void *arg, struct envlist *env)
{
	static char *const none[] = { NULL };

	(void)arg;
	cr_assert_eq(envlist_init(env, none), 0);
	return 0;
}

static int
read_fails(void *arg, struct envlist *env)
{
	(void)arg;
	(void)env;
	return -1;
}

static int
read_dies(void *arg, struct envlist *env)
{
	(void)arg;
	(void)env;
	raise(SIGKILL);
	return 0;
}

/* Runs one reading to its end; reload_finish's result. */
static int
reading(struct reload *rl, reload_read fn, void *arg, int wanted)
{
	int wstatus;
	pid_t pid;

	pid = reload_start(rl, fn, arg);
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &wstatus, 0), pid);
	return reload_finish(rl, wstatus, wanted);
}

Test(reload, the_environment_read_comes_back_whole)
{
	struct reload rl = { .fd = -1 };
	char big[70000];

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(reading(&rl, read_two, big, 1), 0);
	cr_assert_not_null(rl.envp);
	cr_assert_str_eq(rl.envp[0], "EMPTY=");
	cr_assert_eq(strncmp(rl.envp[1], "A=vvv", 5), 0);
	cr_assert_eq(strlen(rl.envp[1]), 2 + sizeof(big) - 1,
	    "a value past a pipe's buffer arrives whole");
	cr_assert_str_eq(rl.envp[2], "B=x=y");
	cr_assert_null(rl.envp[3], "PATH was unset");
	cr_assert_eq(rl.fd, -1, "the memfd is closed once read");
	reload_clear(&rl);
	cr_assert_null(rl.envp);
	cr_assert_null(rl.buf);
}

Test(reload, an_empty_environment_is_one_null)
{
	struct reload rl = { .fd = -1 };

	/* no variable at all: zero bytes in the memfd */
	cr_assert_eq(reading(&rl, read_none, NULL, 1), 0);
	cr_assert_null(rl.envp[0]);
	reload_clear(&rl);
}

Test(reload, a_failed_or_killed_reader_gives_nothing)
{
	struct reload rl = { .fd = -1 };

	cr_assert_eq(reading(&rl, read_fails, NULL, 1), -1);
	cr_assert_null(rl.envp);
	cr_assert_eq(rl.fd, -1);
	cr_assert_eq(reading(&rl, read_dies, NULL, 1), -1);
	cr_assert_null(rl.envp);
	cr_assert_eq(rl.fd, -1);
}

Test(reload, a_result_no_longer_wanted_is_dropped)
{
	struct reload rl = { .fd = -1 };

	cr_assert_eq(reading(&rl, read_two, "1", 0), -1);
	cr_assert_null(rl.envp);
	cr_assert_null(rl.buf);
	cr_assert_eq(rl.fd, -1);
}

Test(reload, the_memfd_is_not_inherited_by_an_exec)
{
	struct reload rl = { .fd = -1 };
	int wstatus;
	pid_t pid;

	pid = reload_start(&rl, read_two, "1");
	cr_assert_gt(pid, 0);
	cr_assert_geq(rl.fd, 0);
	cr_assert(fcntl(rl.fd, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(waitpid(pid, &wstatus, 0), pid);
	cr_assert_eq(reload_finish(&rl, wstatus, 1), 0);
	reload_clear(&rl);
}
