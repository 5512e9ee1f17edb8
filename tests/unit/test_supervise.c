// SPDX-License-Identifier: MIT
/* supervise: how the command's wait status becomes bosun's exit code. */
#include <criterion/criterion.h>
#include <sys/wait.h>

#include "cli.h"
#include "supervise.h"

static struct config c;

static int
status_exited(int code)
{
	return (code & 0xff) << 8;
}

static int
status_signaled(int sig)
{
	return sig & 0x7f;
}

Test(exit_code, exit_status_passes_through)
{
	cr_assert_eq(supervise_exit_code(&c.remap, status_exited(0)), 0);
	cr_assert_eq(supervise_exit_code(&c.remap, status_exited(3)), 3);
	cr_assert_eq(supervise_exit_code(&c.remap, status_exited(255)), 255);
}

Test(exit_code, death_by_signal_is_128_plus_n)
{
	cr_assert_eq(supervise_exit_code(&c.remap, status_signaled(SIGTERM)), 143);
	cr_assert_eq(supervise_exit_code(&c.remap, status_signaled(SIGKILL)), 137);
	cr_assert_eq(supervise_exit_code(&c.remap, status_signaled(SIGINT)), 130);
}

Test(exit_code, remapped_codes_become_zero)
{
	char *argv[] = { "bosun", "-e", "143", "-e", "3", "true", NULL };
	char err[128];

	cr_assert_eq(cli_parse(&c, 6, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_eq(supervise_exit_code(&c.remap, status_signaled(SIGTERM)), 0);
	cr_assert_eq(supervise_exit_code(&c.remap, status_exited(3)), 0);
	cr_assert_eq(supervise_exit_code(&c.remap, status_exited(4)), 4);
	cr_assert_eq(supervise_exit_code(&c.remap, status_signaled(SIGINT)), 130);
}

Test(exit_code, a_status_neither_exit_nor_signal_is_255)
{
	cr_assert_eq(supervise_exit_code(&c.remap, 0x7f | SIGSTOP << 8), 255);
}
