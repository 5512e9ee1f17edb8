// SPDX-License-Identifier: MIT
/* cli: the command line and BOSUN_* variables turned into a config. */
#include <criterion/criterion.h>
#include <string.h>

#include "cli.h"
#include "filter.h"
#include "privdrop.h"

static struct config c;
static char err[512];
static const struct cli_checks checks = { privdrop_parse_caps,
	filter_check_syscalls };

static int
parse(char **argv, char **envp)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	err[0] = '\0';
	cli_free(&c); /* cli_parse starts from zero: the last parse's lists */
	return cli_parse(&c, argc, argv, envp, &checks, err, sizeof(err));
}

#define ARGV(...) ((char *[]){ "bosun", ##__VA_ARGS__, NULL })
#define ENVP(...) ((char *[]){ __VA_ARGS__, NULL })
static char *no_env[] = { NULL };

Test(cli, defaults_without_options)
{
	cr_assert_eq(parse(ARGV("app", "-x"), no_env), 0);
	cr_assert_str_eq(c.argv[0], "app");
	cr_assert_str_eq(c.argv[1], "-x", "options after the command are its own");
	cr_assert_eq(c.process_group, 0);
	cr_assert_eq(c.kill_after, -1, "kill-after defaults to never");
	cr_assert_eq(c.grace, 3000);
	cr_assert_eq(c.stop_delay, 0);
	cr_assert_eq(c.pdeathsig, 0);
	cr_assert_eq(c.rewrite.to[SIGTERM], SIGTERM);
}

Test(cli, double_dash_ends_options)
{
	cr_assert_eq(parse(ARGV("-g", "--", "-v", "x"), no_env), 0);
	cr_assert_str_eq(c.argv[0], "-v");
	cr_assert_eq(c.verbose, 0);
	cr_assert_eq(c.process_group, 1);
}

Test(cli, long_options_with_equals_or_separate_value)
{
	cr_assert_eq(parse(ARGV("--kill-after=250ms", "--grace", "2m",
			     "--stop-delay=5", "true"),
			 no_env),
	    0);
	cr_assert_eq(c.kill_after, 250);
	cr_assert_eq(c.grace, 120000);
	cr_assert_eq(c.stop_delay, 5000);
}

Test(cli, short_options_bundle_and_attach_values)
{
	cr_assert_eq(parse(ARGV("-gvvk5s", "-e", "143", "-e130", "true"),
			 no_env),
	    0);
	cr_assert_eq(c.process_group, 1);
	cr_assert_eq(c.verbose, 2);
	cr_assert_eq(c.kill_after, 5000);
	cr_assert(supervise_remapped(&c.remap, 143));
	cr_assert(supervise_remapped(&c.remap, 130));
	cr_assert_not(supervise_remapped(&c.remap, 1));
}

Test(cli, rewrite_rules_accumulate_and_later_wins)
{
	cr_assert_eq(parse(ARGV("-r", "TERM:QUIT", "--rewrite=hup:0", "-r",
			     "sigterm:int", "true"),
			 no_env),
	    0);
	cr_assert_eq(c.rewrite.to[SIGTERM], SIGINT);
	cr_assert_eq(c.rewrite.to[SIGHUP], 0);
	cr_assert_eq(c.rewrite.to[SIGUSR1], SIGUSR1);
}

Test(cli, environment_twins_configure_everything)
{
	cr_assert_eq(parse(ARGV("true"),
			 ENVP("BOSUN_PROCESS_GROUP=yes",
			     "BOSUN_REWRITE=TERM:QUIT,HUP:0",
			     "BOSUN_KILL_AFTER=10s", "BOSUN_GRACE=1s",
			     "BOSUN_STOP_DELAY=300ms", "BOSUN_REMAP_EXIT=143,130",
			     "BOSUN_PDEATHSIG=KILL9", "PATH=/bin")) < 0,
	    1, "an invalid pdeathsig is rejected");
	cr_assert_eq(parse(ARGV("true"),
			 ENVP("BOSUN_PROCESS_GROUP=yes",
			     "BOSUN_REWRITE=TERM:QUIT,HUP:0",
			     "BOSUN_KILL_AFTER=10s", "BOSUN_GRACE=1s",
			     "BOSUN_STOP_DELAY=300ms", "BOSUN_REMAP_EXIT=143,130",
			     "BOSUN_PDEATHSIG=USR1", "BOSUN_VERBOSE=2")),
	    0, "%s", err);
	cr_assert_eq(c.process_group, 1);
	cr_assert_eq(c.rewrite.to[SIGTERM], SIGQUIT);
	cr_assert_eq(c.rewrite.to[SIGHUP], 0);
	cr_assert_eq(c.kill_after, 10000);
	cr_assert_eq(c.grace, 1000);
	cr_assert_eq(c.stop_delay, 300);
	cr_assert(supervise_remapped(&c.remap, 143) && supervise_remapped(&c.remap, 130));
	cr_assert_eq(c.pdeathsig, SIGUSR1);
	cr_assert_eq(c.verbose, 2);
}

Test(cli, command_line_replaces_environment_twin)
{
	cr_assert_eq(parse(ARGV("-r", "INT:USR1", "--grace=5s", "true"),
			 ENVP("BOSUN_REWRITE=TERM:QUIT", "BOSUN_GRACE=1s")),
	    0);
	cr_assert_eq(c.grace, 5000);
	cr_assert_eq(c.rewrite.to[SIGINT], SIGUSR1);
	cr_assert_eq(c.rewrite.to[SIGTERM], SIGTERM,
	    "the env list is replaced, not merged");
}

Test(cli, false_and_empty_env_values_mean_off)
{
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_PROCESS_GROUP=0")), 0);
	cr_assert_eq(c.process_group, 0);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_GRACE=")), 0);
	cr_assert_eq(c.grace, 3000);
}

Test(cli, bad_boolean_is_an_error)
{
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_PROCESS_GROUP=maybe")), -1);
	cr_assert(strstr(err, "BOSUN_PROCESS_GROUP"), "%s", err);
}

Test(cli, unknown_bosun_variable_is_an_error)
{
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_GRACEE=1s")), -1);
	cr_assert(strstr(err, "BOSUN_GRACEE"), "%s", err);
	cr_assert_eq(parse(ARGV("true"), ENVP("NOT_BOSUN_X=1")), 0);
}

Test(cli, usage_errors_name_the_option)
{
	cr_assert_eq(parse(ARGV("--nope", "true"), no_env), -1);
	cr_assert(strstr(err, "--nope"));
	cr_assert_eq(parse(ARGV("-x", "true"), no_env), -1);
	cr_assert(strstr(err, "-x"));
	cr_assert_eq(parse(ARGV("--grace"), no_env), -1);
	cr_assert(strstr(err, "needs a value"), "%s", err);
	cr_assert_eq(parse(ARGV("-k"), no_env), -1);
	cr_assert_eq(parse(ARGV("--process-group=1", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("--grace=1x", "true"), no_env), -1);
	cr_assert(strstr(err, "--grace"), "%s", err);
	cr_assert_eq(parse(ARGV("-e", "256", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("-e", "", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("-e", "-1", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("-p", "STOP", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("-p", "nosuch", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("-r", "TERM", "true"), no_env), -1);
}

Test(cli, missing_command_is_an_error)
{
	cr_assert_eq(parse(ARGV("-g"), no_env), -1);
	cr_assert_str_eq(err, "no command given");
	cr_assert_eq(parse(ARGV("--"), no_env), -1);
}

Test(cli, help_and_version_need_no_command)
{
	cr_assert_eq(parse(ARGV("--help"), no_env), 0);
	cr_assert_eq(c.action, CLI_HELP);
	cr_assert_eq(parse(ARGV("-V"), ENVP("BOSUN_BOGUS=1")), 0);
	cr_assert_eq(c.action, CLI_VERSION);
}

Test(cli, help_mentions_every_option)
{
	char help[16384];

	const char *opts[] = { "--process-group", "--rewrite", "--kill-after",
		"--grace", "--stop-delay", "--remap-exit", "--pdeathsig",
		"--verbose", "--help", "--version" };
	size_t i;

	cr_assert_eq(cli_help(help, sizeof(help)), 0);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		cr_assert(strstr(help, opts[i]), "%s", opts[i]);
}

Test(cli, durations)
{
	long long ms;

	cr_assert_eq(cli_duration("250ms", &ms), 0);
	cr_assert_eq(ms, 250);
	cr_assert_eq(cli_duration("10s", &ms), 0);
	cr_assert_eq(ms, 10000);
	cr_assert_eq(cli_duration("2m", &ms), 0);
	cr_assert_eq(ms, 120000);
	cr_assert_eq(cli_duration("1h", &ms), 0);
	cr_assert_eq(ms, 3600000);
	cr_assert_eq(cli_duration("7", &ms), 0);
	cr_assert_eq(ms, 7000);
	cr_assert_eq(cli_duration("0", &ms), 0);
	cr_assert_eq(ms, 0);
	cr_assert_eq(cli_duration("24h", &ms), 0);
}

Test(cli, bad_durations)
{
	long long ms;
	const char *bad[] = { "", "s", "-1", "1.5s", "10 s", "10sec", "5x",
		"25h", "86401", "99999999999999999999", "1e3", " 1" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(cli_duration(bad[i], &ms), -1, "'%s'", bad[i]);
}

Test(cli, file_env_takes_names_and_patterns_and_accumulates)
{
	cr_assert_eq(parse(ARGV("--file-env", "A,B_*", "--file-env=[AB]?_X",
			     "--file-env", "*", "true"),
			 no_env),
	    0, "%s", err);
	cr_assert_eq(c.sources.file_env.n, 4);
	cr_assert_str_eq(c.sources.file_env.v[0], "A");
	cr_assert_str_eq(c.sources.file_env.v[1], "B_*");
	cr_assert_str_eq(c.sources.file_env.v[2], "[AB]?_X");
	cr_assert_str_eq(c.sources.file_env.v[3], "*");
	cli_free(&c);
	cr_assert_eq(parse(ARGV("true"),
			 ENVP("BOSUN_FILE_ENV=POSTGRES_PASSWORD,POSTGRES_USER")),
	    0, "%s", err);
	cr_assert_eq(c.sources.file_env.n, 2);
	cr_assert_str_eq(c.sources.file_env.v[1], "POSTGRES_USER");
}

Test(cli, file_env_old_boolean_form_says_what_changed)
{
	const char *old[] = { "BOSUN_FILE_ENV=1", "BOSUN_FILE_ENV=true",
		"BOSUN_FILE_ENV=yes", "BOSUN_FILE_ENV=ON", "BOSUN_FILE_ENV=0" };

	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		char *envp[] = { (char *)old[i], NULL };

		cr_assert_eq(parse(ARGV("true"), envp), -1, "%s", old[i]);
		cr_assert(strstr(err, "BOSUN_FILE_ENV: takes the names"), "%s",
		    err);
	}
}

Test(cli, file_env_items_must_be_names_or_patterns)
{
	char *bad[] = { "--", "-s", "/run/secrets/x", "A-B", "A,", ",A",
		"", "1A", "A=B", "[AB", "[]", "A\\*", "a b" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(ARGV("--file-env", bad[i], "true"), no_env),
		    -1, "'%s'", bad[i]);
		cr_assert(strncmp(err, "--file-env: ", 12) == 0, "%s", err);
	}
	cr_assert_eq(parse(ARGV("--file-env", "--", "true"), no_env), -1);
	cr_assert(strstr(err, "'--' is not a variable name"), "%s", err);
}

Test(cli, zero_hook_timeout_and_empty_deny_list_are_errors)
{
	cr_assert_eq(parse(ARGV("--hook-timeout", "0", "true"), no_env), -1);
	cr_assert(strstr(err, "--hook-timeout"), "%s", err);
	cr_assert_eq(parse(ARGV("--hook-timeout=0ms", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_HOOK_TIMEOUT=0s")), -1);
	cr_assert(strstr(err, "BOSUN_HOOK_TIMEOUT"), "%s", err);
	cr_assert_eq(parse(ARGV("--hook-timeout", "1ms", "true"), no_env), 0);
	cr_assert_eq(parse(ARGV("--seccomp-deny", "", "true"), no_env), -1);
	cr_assert(strstr(err, "--seccomp-deny: empty"), "%s", err);
	cr_assert_eq(parse(ARGV("--seccomp-deny", ",,", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_SECCOMP_DENY=,")), -1);
}

Test(cli, help_that_does_not_fit_is_an_error)
{
	char small[100];

	cr_assert_eq(cli_help(small, sizeof(small)), -1);
}

Test(cli, env_list_items_and_odd_variables)
{
	static char big[5000];

	memcpy(big, "BOSUN_REMAP_EXIT=", 17);
	memset(big + 17, '1', sizeof(big) - 18);
	cr_assert_eq(parse(ARGV("true"), ENVP(big)), -1);
	cr_assert(strstr(err, "BOSUN_REMAP_EXIT: item too long"), "%s", err);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_GRACE")), -1);
	cr_assert(strstr(err, "unknown variable BOSUN_GRACE"), "%s", err);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_VERBOSE=x")), -1);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_PDEATHSIG=STOP")), -1);
	cr_assert(strstr(err, "BOSUN_PDEATHSIG: bad signal"), "%s", err);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_SECRETS=A")), -1);
	cr_assert(strstr(err, "expected NAME=SOURCE"), "%s", err);
	cr_assert_eq(parse(ARGV("--hooks-dir", "/a", "--hooks-dir=/b", "true"),
			 no_env),
	    0);
	cr_assert_eq(c.sources.hooks_dir.n, 1, "a later value replaces");
	cr_assert_str_eq(c.sources.hooks_dir.v[0], "/b");
	cli_free(&c);
}

Test(cli, library_checks_come_from_the_caller)
{
	cr_assert_eq(parse(ARGV("--caps", "nosuch", "true"), no_env), -1);
	cr_assert(strstr(err, "--caps: unknown capability"), "%s", err);
	cr_assert_eq(parse(ARGV("--seccomp-deny=mkdir,nosuch", "true"), no_env),
	    -1);
	cr_assert(strstr(err, "unknown system call 'nosuch'"), "%s", err);
	cr_assert_eq(cli_parse(&c, 4, ARGV("--caps", "nosuch", "true"), no_env,
			 NULL, err, sizeof(err)),
	    0, "without checks the parser takes any name");
	cr_assert(c.caps.given);
	cli_free(&c);
}

Test(cli, more_bad_values_and_accumulating_lists)
{
	cr_assert_eq(parse(ARGV("--hook-timeout=x", "true"), no_env), -1);
	cr_assert(strstr(err, "--hook-timeout=x: bad duration"), "%s", err);
	cr_assert_eq(parse(ARGV("--file-env", "[A.]", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("--seccomp-deny", "mkdir", "--seccomp-deny",
			     "rmdir", "true"),
			 no_env),
	    0, "%s", err);
	cr_assert_str_eq(c.seccomp_deny, "mkdir,rmdir");
	cli_free(&c);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_REMAP_EXIT=1,,2")), 0);
	cr_assert(supervise_remapped(&c.remap, 1) &&
	    supervise_remapped(&c.remap, 2));
}

/* tini's and catatonit's habits (issue 11) */
Test(cli, tini_flags_are_accepted_with_their_meaning)
{
	cr_assert_eq(parse(ARGV("-s", "-g", "-e", "3", "-p", "SIGKILL", "-v",
	                 "-w", "--", "true"),
	                 no_env),
	    0, "%s", err);
	cr_assert_eq(c.subreaper, 1);
	cr_assert_eq(c.process_group, 1);
	cr_assert_eq(c.pdeathsig, SIGKILL);
	cr_assert_eq(c.verbose, 1);
	cr_assert_eq(c.warn_reap, 1);
	cr_assert(supervise_remapped(&c.remap, 3));
	cr_assert_str_eq(c.argv[0], "true");
	cli_free(&c);
	/* bundled, and without "--" */
	cr_assert_eq(parse(ARGV("-sgv", "true"), no_env), 0, "%s", err);
	cr_assert(c.subreaper && c.process_group && c.verbose == 1);
	cr_assert_str_eq(c.argv[0], "true");
	cli_free(&c);
}

Test(cli, s_with_name_equals_source_is_still_a_secret)
{
	cr_assert_eq(parse(ARGV("-s", "A=/run/a", "true"), no_env), 0);
	cr_assert_eq(c.subreaper, 0);
	cr_assert_eq(c.sources.secrets.n, 1);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("-sA=env:X", "true"), no_env), 0);
	cr_assert_eq(c.subreaper, 0);
	cr_assert_eq(c.sources.secrets.n, 1);
	cli_free(&c);
	/* no '=' after it: tini's flag, and the word is the command */
	cr_assert_eq(parse(ARGV("-s", "DB_PASSWORD"), no_env), 0);
	cr_assert_eq(c.subreaper, 1);
	cr_assert_str_eq(c.argv[0], "DB_PASSWORD");
	cli_free(&c);
	cr_assert_eq(parse(ARGV("-s"), no_env), -1);
	cr_assert_str_eq(err, "no command given");
}

Test(cli, s_before_an_option_with_a_value_is_tinis_flag)
{
	cr_assert_eq(parse(ARGV("-s", "--grace=1s", "true"), no_env), 0,
	    "%s", err);
	cr_assert_eq(c.subreaper, 1);
	cr_assert_eq(c.sources.secrets.n, 0);
	cr_assert_eq(c.grace, 1000);
	cr_assert_str_eq(c.argv[0], "true");
	cli_free(&c);
}

Test(cli, tini_variables_apply_unless_bosun_is_told)
{
	cr_assert_eq(parse(ARGV("true"), ENVP("TINI_VERBOSITY=3",
	                                     "TINI_KILL_PROCESS_GROUP=",
	                                     "TINI_SUBREAPER=1")),
	    0, "%s", err);
	cr_assert_eq(c.verbose, 2);
	/* tini's twin of -g, set at all (empty too, as getenv sees it) */
	cr_assert_eq(c.process_group, 1);
	cr_assert_eq(c.grace, 3000);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("true"), ENVP("TINI_VERBOSITY=1")), 0);
	cr_assert_eq(c.verbose, 0);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("true"), ENVP("TINI_VERBOSITY=")), 0);
	cr_assert_eq(c.verbose, 0);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("true"), ENVP("TINI_VERBOSITY=0")), 0);
	cr_assert_eq(c.verbose, 0);
	cli_free(&c);
	/* tini takes any number; more than 9 is all there is */
	cr_assert_eq(parse(ARGV("true"), ENVP("TINI_VERBOSITY=10")), 0, "%s",
	    err);
	cr_assert_eq(c.verbose, 8);
	cli_free(&c);
	/* the option, or its BOSUN_ twin, wins */
	cr_assert_eq(parse(ARGV("-v", "true"),
	                 ENVP("TINI_VERBOSITY=3", "TINI_KILL_PROCESS_GROUP=1")),
	    0);
	cr_assert_eq(c.verbose, 1);
	cr_assert_eq(c.process_group, 1);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("true"),
	                 ENVP("BOSUN_VERBOSE=0", "TINI_VERBOSITY=3",
	                     "BOSUN_PROCESS_GROUP=0",
	                     "TINI_KILL_PROCESS_GROUP=1")),
	    0);
	cr_assert_eq(c.verbose, 0);
	cr_assert_eq(c.process_group, 0);
	cli_free(&c);
	/* the first of two counts, as with getenv */
	cr_assert_eq(parse(ARGV("true"),
	                 ENVP("TINI_VERBOSITY=2", "TINI_VERBOSITY=x")),
	    0);
	cr_assert_eq(c.verbose, 1);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("true"), ENVP("TINI_VERBOSITY=lots")), -1);
	cr_assert(strstr(err, "TINI_VERBOSITY: bad value 'lots'"), "%s", err);
}

Test(cli, pause_takes_no_command)
{
	cr_assert_eq(parse(ARGV("-P"), no_env), 0, "%s", err);
	cr_assert_eq(c.pause, 1);
	cr_assert_null(c.argv);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("--pause"), no_env), 0);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("x"), ENVP("BOSUN_PAUSE=1")), -1);
	cr_assert(strstr(err, "--pause runs no command"), "%s", err);
	cr_assert_eq(parse(ARGV("-P", "--", "sleep"), no_env), -1);
	cr_assert(strstr(err, "--pause runs no command"), "%s", err);
}

Test(cli, pause_with_a_probe_or_a_wait_is_refused)
{
	cr_assert_eq(parse(ARGV("--probe", "file:/"), ENVP("BOSUN_PAUSE=1")),
	    -1);
	cr_assert_str_eq(err, "--pause runs no command: --probe goes alone");
	cr_assert_eq(parse(ARGV("-P", "--wait", "file:/"), no_env), -1);
	cr_assert_str_eq(
	    err, "--pause runs no command: --wait has nothing to wait for");
}

Test(cli, license_flags)
{
	const char *const spellings[] = { "-l", "-L", "--license" };

	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(parse(ARGV((char *)spellings[i]), no_env), 0);
		cr_assert_eq(c.action, CLI_LICENSE);
		cli_free(&c);
	}
	cr_assert(strstr(cli_license, "MIT License"));
	cr_assert(strstr(cli_version, "bosun version ") == cli_version);
	cr_assert(strstr(cli_version, " - git."));
}

Test(cli, wait_targets_accumulate_and_timeouts_default)
{
	cr_assert_eq(parse(ARGV("true"), no_env), 0);
	cr_assert_eq(c.wait.n, 0);
	cr_assert_eq(c.wait_timeout, 60000);
	cr_assert_eq(c.probe_timeout, 5000);
	cr_assert_null(c.probe);
	cr_assert_eq(parse(ARGV("--wait", "tcp://db:5432", "--wait=file:/x",
			     "--wait-timeout", "2m", "true"),
			 no_env),
	    0, "%s", err);
	cr_assert_eq(c.wait.n, 2);
	cr_assert_str_eq(c.wait.v[0], "tcp://db:5432");
	cr_assert_str_eq(c.wait.v[1], "file:/x");
	cr_assert_eq(c.wait_timeout, 120000);
	cr_assert_eq(c.action, CLI_RUN);
}

Test(cli, wait_twins_are_comma_separated)
{
	cr_assert_eq(parse(ARGV("true"),
			 ENVP("BOSUN_WAIT=tcp://db:5432,,http://web/health",
			     "BOSUN_WAIT_TIMEOUT=90s")),
	    0, "%s", err);
	cr_assert_eq(c.wait.n, 2, "empty items are skipped");
	cr_assert_str_eq(c.wait.v[1], "http://web/health");
	cr_assert_eq(c.wait_timeout, 90000);
	cr_assert_eq(parse(ARGV("--wait", "unix:/s", "true"),
			 ENVP("BOSUN_WAIT=tcp://db:5432")),
	    0);
	cr_assert_eq(c.wait.n, 1, "the command line replaces the twin");
	cr_assert_str_eq(c.wait.v[0], "unix:/s");
}

Test(cli, bad_wait_targets_and_timeouts_are_usage_errors)
{
	cr_assert_eq(parse(ARGV("--wait", "https://x/", "true"), no_env), -1);
	cr_assert(strstr(err, "--wait: 'https://x/': https is out of scope"),
	    "%s", err);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_WAIT=tcp://db")), -1);
	cr_assert(strstr(err, "BOSUN_WAIT: bad target 'tcp://db'"), "%s", err);
	cr_assert_eq(
	    parse(ARGV("--wait-timeout", "0", "true"), no_env), -1);
	cr_assert_str_eq(err, "--wait-timeout: needs more than 0 ms");
	cr_assert_eq(parse(ARGV("--probe-timeout", "0ms", "--probe", "file:/"),
			 no_env),
	    -1);
	cr_assert_str_eq(err, "--probe-timeout: needs more than 0 ms");
}

Test(cli, probe_is_an_action_without_a_command)
{
	cr_assert_eq(parse(ARGV("--probe", "http://127.0.0.1:8080/health",
			     "--probe-timeout", "2s"),
			 no_env),
	    0, "%s", err);
	cr_assert_eq(c.action, CLI_PROBE);
	cr_assert_str_eq(c.probe, "http://127.0.0.1:8080/health");
	cr_assert_eq(c.probe_timeout, 2000);
	cr_assert_eq(parse(ARGV(), ENVP("BOSUN_PROBE=tcp://db:1",
				       "BOSUN_PROBE_TIMEOUT=250ms")),
	    0, "%s", err);
	cr_assert_eq(c.action, CLI_PROBE);
	cr_assert_eq(c.probe_timeout, 250);
	cr_assert_eq(parse(ARGV("--probe", "tcp://db:1", "true"), no_env), -1);
	cr_assert(strstr(err, "--probe starts no command"), "%s", err);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_PROBE=tcp://db:1")), -1,
	    "a twin left in the environment is not ignored");
	cr_assert_eq(parse(ARGV("--probe", "udp://x:1"), no_env), -1);
	cr_assert(strstr(err, "unknown kind of target"), "%s", err);
}

Test(cli, help_mentions_wait_and_probe)
{
	char help[16384];

	cr_assert_eq(cli_help(help, sizeof(help)), 0);
	cr_assert(strstr(help, "--wait TARGET"));
	cr_assert(strstr(help, "--wait-timeout DUR"));
	cr_assert(strstr(help, "--probe TARGET"));
	cr_assert(strstr(help, "--probe-timeout DUR"));
}

Test(cli, log_format_and_termination_log_with_their_twins)
{
	cr_assert_eq(parse(ARGV("true"), no_env), 0);
	cr_assert_eq(c.log_format, 0, "text by default");
	cr_assert_null(c.termination_log, "the default path is decided later");
	cr_assert_eq(parse(ARGV("--log-format", "json", "--termination-log=off",
	                 "true"),
	                 no_env),
	    0);
	cr_assert_eq(c.log_format, 1);
	cr_assert_str_eq(c.termination_log, "off");
	cli_free(&c);
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_LOG_FORMAT=json",
	                                     "BOSUN_TERMINATION_LOG=/tmp/t")),
	    0);
	cr_assert_eq(c.log_format, 1);
	cr_assert_str_eq(c.termination_log, "/tmp/t");
	cli_free(&c);
	cr_assert_eq(parse(ARGV("--log-format", "JSON", "true"), no_env), -1);
	cr_assert_str_eq(
	    err, "--log-format: unknown format 'JSON' (text or json)");
	cr_assert_eq(parse(ARGV("true"), ENVP("BOSUN_LOG_FORMAT=xml")), -1);
}

Test(cli, on_change_watch_and_settle)
{
	cr_assert_eq(parse(ARGV("true"), no_env), 0);
	cr_assert_eq(c.on_change, 0, "nothing is watched by default");
	cr_assert_eq(c.watch_settle, 1000, "settle defaults to 1 s");
	cli_free(&c);
	cr_assert_eq(parse(ARGV("--on-change", "restart", "--watch", "/a",
			     "--watch=/b", "--watch-settle", "250ms", "true"),
			 no_env),
	    0);
	cr_assert_eq(c.on_change, SUPERVISE_RESTART);
	cr_assert_eq(c.watch.n, 2);
	cr_assert_str_eq(c.watch.v[1], "/b");
	cr_assert_eq(c.watch_settle, 250);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("--on-change", "rtmin+2", "true"), no_env), 0);
	cr_assert_eq(c.on_change, 36);
	cli_free(&c);
	cr_assert_eq(parse(ARGV("true"),
			 ENVP("BOSUN_ON_CHANGE=HUP", "BOSUN_WATCH=/x,/y",
			     "BOSUN_WATCH_SETTLE=2s")),
	    0);
	cr_assert_eq(c.on_change, SIGHUP);
	cr_assert_eq(c.watch.n, 2);
	cr_assert_eq(c.watch_settle, 2000);
	cli_free(&c);
}

Test(cli, bad_watch_configurations)
{
	cr_assert_eq(parse(ARGV("--on-change", "KILL", "true"), no_env), -1);
	cr_assert(strstr(err, "--on-change: bad action 'KILL'"), "%s", err);
	cr_assert_eq(parse(ARGV("--on-change", "CHLD", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("--on-change", "reload", "true"), no_env), -1);
	cr_assert_eq(parse(ARGV("--watch", "/etc", "true"), no_env), -1);
	cr_assert_str_eq(err, "--watch needs --on-change");
	cr_assert_eq(parse(ARGV("--watch-settle", "1x", "true"), no_env), -1);
	/* a restart runs the hooks again, in a process of their own */
	cr_assert_eq(parse(ARGV("--on-change", "restart", "--hook", "/h",
			     "true"),
			 no_env),
	    0, "%s", err);
	cr_assert_eq(parse(ARGV("true"),
			 ENVP("BOSUN_ON_CHANGE=restart",
			     "BOSUN_HOOKS_DIR=/etc/hooks")),
	    0, "%s", err);
	cr_assert_eq(parse(ARGV("--on-change", "HUP", "--hook", "/h", "true"),
			 no_env),
	    0, "a signal runs no hook again");
	cli_free(&c);
}
