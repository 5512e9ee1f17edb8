// SPDX-License-Identifier: MIT
/* secrets: names, trimming, env-file parsing, sources and precedence. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "envlist.h"
#include "secrets.h"
#include "sources.h"
#include "files.h"

static struct envlist env;
static size_t own_n;
static char err[512];
static struct secrets_ctx x;
static char *inherited[] = { "PATH=/bin", "FROM_ENV=inherited", "TOKEN=t0k",
	NULL };

static void
setup(void)
{
	envlist_init(&env, inherited);
	x = (struct secrets_ctx){ &env, inherited, err, sizeof(err) };
	err[0] = '\0';
}

static void
teardown(void)
{
	envlist_free(&env);
	own_n = 0;
}

static int
parse(const char *text)
{
	return secrets_parse_envfile(&x, text, strlen(text), "app.env");
}

TestSuite(secrets, .init = setup, .fini = teardown);

Test(secrets, valid_names)
{
	const char *good[] = { "A", "_", "DB_PASSWORD", "a1", "_9", "Mixed_Case" };
	const char *bad[] = { "", "1A", "A-B", "A B", "A.B", "A=B", "é", ".A" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert(secrets_valid_name(good[i], strlen(good[i])), "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(secrets_valid_name(bad[i], strlen(bad[i])), "%s", bad[i]);
}

Test(secrets, trailing_newlines_are_trimmed_and_nothing_else)
{
	cr_assert_eq(secrets_trim("pw\n", 3), 2);
	cr_assert_eq(secrets_trim("pw\r\n", 4), 2);
	cr_assert_eq(secrets_trim("pw\n\n\r\n", 6), 2);
	cr_assert_eq(secrets_trim("pw \t", 4), 4, "spaces stay");
	cr_assert_eq(secrets_trim("pw\r", 3), 3, "a lone CR stays");
	cr_assert_eq(secrets_trim("\n", 1), 0);
	cr_assert_eq(secrets_trim("a\nb", 3), 3, "inner newlines stay");
}

Test(secrets, envfile_sets_literal_values)
{
	cr_assert_eq(parse("A=1\nB= spaced value \nC=x=y\nD=\nE='q'\n"), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "A"), "1");
	cr_assert_str_eq(envlist_get(&env, "B"), " spaced value ");
	cr_assert_str_eq(envlist_get(&env, "C"), "x=y");
	cr_assert_str_eq(envlist_get(&env, "D"), "");
	cr_assert_str_eq(envlist_get(&env, "E"), "'q'", "quotes are literal");
}

Test(secrets, envfile_skips_comments_blank_lines_and_leading_space)
{
	cr_assert_eq(parse("# comment\n\n   \n  # indented comment\n\tA=1\r\nB=2"), 0);
	cr_assert_str_eq(envlist_get(&env, "A"), "1", "CRLF line ending dropped");
	cr_assert_str_eq(envlist_get(&env, "B"), "2", "no final newline needed");
	cr_assert_null(envlist_get(&env, "#"));
}

Test(secrets, envfile_bare_name_copies_from_bosuns_environment)
{
	cr_assert_eq(parse("FROM_ENV\nNOT_SET\n"), 0);
	cr_assert_str_eq(envlist_get(&env, "FROM_ENV"), "inherited");
	cr_assert_null(envlist_get(&env, "NOT_SET"));
}

Test(secrets, envfile_strips_a_byte_order_mark)
{
	cr_assert_eq(parse("\xef\xbb\xbf" "A=1\n"), 0);
	cr_assert_str_eq(envlist_get(&env, "A"), "1");
}

Test(secrets, envfile_errors_give_file_and_line_never_content)
{
	cr_assert_eq(parse("A=1\n\nB C=secretvalue\n"), -1);
	cr_assert_str_eq(err, "app.env:3: invalid variable name");
	cr_assert_eq(parse("=novalue\n"), -1);
	cr_assert_str_eq(err, "app.env:1: invalid variable name");
	cr_assert_eq(parse("export X=1\n"), -1);
	cr_assert_eq(parse("1X=1\n"), -1);
}

Test(secrets, nul_byte_in_a_value_is_an_error)
{
	const char text[] = "A=ab\0cd\n";

	cr_assert_eq(secrets_parse_envfile(&x, text, sizeof(text) - 1, "f"), -1);
	cr_assert(strstr(err, "NUL byte"), "%s", err);
	cr_assert(strstr(err, "A from f:1"), "%s", err);
}

Test(secrets, a_value_exec_cannot_carry_is_an_error)
{
	size_t max = SECRETS_MAX_STRING - 2 - 1; /* "A=" and the NUL */
	char *v = malloc(max + 1);

	memset(v, 'x', max + 1);
	cr_assert_eq(secrets_set(&x, "A", v, max, "src"), 0, "%s", err);
	cr_assert_eq(secrets_set(&x, "A", v, max + 1, "src"), -1);
	cr_assert(strstr(err, "mount the secret as a file instead"), "%s", err);
	cr_assert_null(strstr(err, "xxxx"), "the value is never shown");
	free(v);
}

static char dir[] = "/tmp/bosun-test-XXXXXX";

static void
put(const char *name, const char *content, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

/* bosun's own environment for one test: inherited plus what own() adds */
static char *own_env[32], own_buf[32][512];

static void
own(const char *name, const char *value)
{
	if (own_n == 0)
		while (inherited[own_n])
			own_env[own_n] = inherited[own_n], own_n++;
	snprintf(own_buf[own_n], sizeof(own_buf[0]), "%s=%s", name, value);
	own_env[own_n] = own_buf[own_n];
	own_env[++own_n] = NULL;
}

/* Builds the command's environment again from own_env. */
static void
restart(void)
{
	envlist_free(&env);
	cr_assert_eq(envlist_init(&env, own_env), 0);
	x.inherited = own_env;
}

static char *
path_of(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/*
 * inherited < env-files < secrets-dir < --file-env < --secret: each pair
 * of neighbours sets one variable, and ALL is set by every source.
 */
Test(secrets, precedence_of_the_sources)
{
	struct config c = { 0 };
	char s1[300], s2[300], envfile[300], secdir[300], *argv[16];
	int argc = 0;

	cr_assert_not_null(mkdtemp(dir));
	mkdir(path_of("secrets"), 0700);
	put("app.env", "FROM_ENV=envfile\nP1=envfile\nALL=envfile\n", 0600);
	put("secrets/P1", "dir\n", 0600);
	put("secrets/P2", "dir\n", 0600);
	put("secrets/ALL", "dir\n", 0600);
	put("ff", "file-env\n", 0600);
	put("sec", "secret\r\n", 0600);

	argv[argc++] = "bosun";
	argv[argc++] = "--env-file";
	snprintf(envfile, sizeof(envfile), "%s", path_of("app.env"));
	snprintf(secdir, sizeof(secdir), "%s", path_of("secrets"));
	argv[argc++] = envfile;
	argv[argc++] = "--secrets-dir";
	argv[argc++] = secdir;
	argv[argc++] = "--file-env";
	argv[argc++] = "P2,P3,ALL";
	snprintf(s1, sizeof(s1), "P3=%s", path_of("sec"));
	snprintf(s2, sizeof(s2), "ALL=%s", path_of("sec"));
	argv[argc++] = "-s";
	argv[argc++] = s1;
	argv[argc++] = "-s";
	argv[argc++] = s2;
	argv[argc++] = "true";
	argv[argc] = NULL;
	cr_assert_eq(cli_parse(&c, argc, argv, NULL, NULL, err, sizeof(err)), 0, "%s", err);

	/* VAR_FILE variables in bosun's own environment */
	own("P2_FILE", path_of("ff"));
	own("P3_FILE", path_of("ff"));
	own("ALL_FILE", path_of("ff"));
	restart();
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "FROM_ENV"), "envfile");
	cr_assert_str_eq(envlist_get(&env, "P1"), "dir");
	cr_assert_str_eq(envlist_get(&env, "P2"), "file-env");
	cr_assert_str_eq(envlist_get(&env, "P3"), "secret");
	cr_assert_str_eq(envlist_get(&env, "ALL"), "secret");
	cr_assert_null(envlist_get(&env, "ALL_FILE"));
	cli_free(&c);
}

Test(secrets, secrets_dir_skips_dot_dot_names_and_bad_names)
{
	struct config c = { 0 };
	char *argv[] = { "bosun", "--secrets-dir", NULL, "true", NULL };

	cr_assert_not_null(mkdtemp(dir));
	mkdir(path_of("s"), 0700);
	mkdir(path_of("s/..2024_01_01"), 0700);
	put("s/..2024_01_01/KEY", "v1\n", 0600);
	put("s/..2024_01_01/.hidden", "h\n", 0600);
	put("s/..2024_01_01/bad-name", "b\n", 0600);
	symlink("..2024_01_01", path_of("s/..data"));
	symlink("..data/KEY", path_of("s/KEY"));
	symlink("..data/.hidden", path_of("s/.hidden"));
	symlink("..data/bad-name", path_of("s/bad-name"));
	mkdir(path_of("s/subdir"), 0700);
	argv[2] = path_of("s");
	cr_assert_eq(cli_parse(&c, 4, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "KEY"), "v1");
	cr_assert_null(envlist_get(&env, ".hidden"));
	cr_assert_null(envlist_get(&env, "bad-name"));
	cr_assert_null(envlist_get(&env, "..data"));
	cr_assert_eq(env.n, 4, "PATH, FROM_ENV, TOKEN and KEY only");
	cli_free(&c);
}

static struct strlist
names(char **v, size_t n)
{
	return (struct strlist){ v, n };
}

Test(secrets, file_env_sets_the_names_listed_and_removes_their_files)
{
	char *pats[] = { "DB_PASSWORD", "DB_U*" };
	struct config c = { .sources.file_env = names(pats, 2) };

	cr_assert_not_null(mkdtemp(dir));
	put("pw", "hunter2\n", 0600);
	put("user", "admin\n", 0600);
	own("DB_PASSWORD_FILE", path_of("pw"));
	own("FILE__DB_USER", path_of("user"));
	own("SSL_CERT_FILE", "/nonexistent/ca.pem");
	own("LOG_FILE_X", "/var/log/x");
	restart();
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "DB_PASSWORD"), "hunter2");
	cr_assert_str_eq(envlist_get(&env, "DB_USER"), "admin");
	cr_assert_null(envlist_get(&env, "DB_PASSWORD_FILE"));
	cr_assert_null(envlist_get(&env, "FILE__DB_USER"));
	cr_assert_str_eq(envlist_get(&env, "SSL_CERT_FILE"), "/nonexistent/ca.pem");
	cr_assert_null(envlist_get(&env, "SSL_CERT"));
	cr_assert_str_eq(envlist_get(&env, "LOG_FILE_X"), "/var/log/x");
}

Test(secrets, file_env_with_both_in_the_environment_is_an_error)
{
	char *pats[] = { "*" };
	struct config c = { .sources.file_env = names(pats, 1) };

	cr_assert_not_null(mkdtemp(dir));
	put("pw", "hunter2\n", 0600);
	own("TOKEN_FILE", path_of("pw"));
	restart();
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1, "TOKEN is in bosun's environment");
	cr_assert_str_eq(err, "both TOKEN and TOKEN_FILE are set");
}

Test(secrets, file_env_with_both_forms_is_an_error)
{
	char *pats[] = { "PW" };
	struct config c = { .sources.file_env = names(pats, 1) };

	cr_assert_not_null(mkdtemp(dir));
	put("pw", "hunter2\n", 0600);
	own("FILE__PW", path_of("pw"));
	own("PW_FILE", path_of("pw"));
	restart();
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cr_assert_str_eq(err, "both PW_FILE and FILE__PW are set");
}

Test(secrets, file_env_never_takes_a_value_for_a_path)
{
	char *pats[] = { "*" };
	struct config c = { .sources.file_env = names(pats, 1) };

	cr_assert_not_null(mkdtemp(dir));
	put("a", "/etc/hostname\n", 0600);
	/* A_FILE_FILE sets A_FILE, whose value must not be read as a path */
	own("A_FILE_FILE", path_of("a"));
	restart();
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "A_FILE"), "/etc/hostname");
	cr_assert_null(envlist_get(&env, "A"));
}

Test(secrets, file_env_leaves_what_env_files_set_untouched)
{
	char *pats[] = { "*" };
	struct config c = { .sources.file_env = names(pats, 1) };

	cr_assert_not_null(mkdtemp(dir));
	put("a", "s3cr3t\n", 0600);
	cr_assert_eq(parse("B_FILE=/nonexistent/b\n"), 0);
	envlist_set(&env, "C_FILE", path_of("a"));
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "B_FILE"), "/nonexistent/b");
	cr_assert_str_eq(envlist_get(&env, "C_FILE"), path_of("a"));
	cr_assert_null(envlist_get(&env, "B"));
	cr_assert_null(envlist_get(&env, "C"));
}

Test(secrets, kubernetes_volume_read_through_the_resolved_directory)
{
	struct config c = { 0 };
	char *argv[] = { "bosun", "--secrets-dir", NULL, "true", NULL };

	cr_assert_not_null(mkdtemp(dir));
	mkdir(path_of("s"), 0700);
	mkdir(path_of("s/..v1"), 0700);
	mkdir(path_of("s/..v2"), 0700);
	put("s/..v1/KEY", "old\n", 0600);
	put("s/..v2/KEY", "new\n", 0600);
	put("s/..v2/NEW", "n\n", 0600);
	symlink("..v2", path_of("s/..data"));
	/* a top-level link still to the old version: not what is read */
	symlink("..v1/KEY", path_of("s/KEY"));
	argv[2] = path_of("s");
	cr_assert_eq(cli_parse(&c, 4, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "KEY"), "new");
	cr_assert_str_eq(envlist_get(&env, "NEW"), "n");
	cr_assert_null(files_reading, "nothing is being read");
	cli_free(&c);
}

/* In a volume's version directory only regular files are keys: a link
 * or a directory there is no key the kubelet wrote, and is skipped. */
Test(secrets, kubernetes_links_and_directories_in_a_version_are_skipped)
{
	struct config c = { 0 };
	char other[300];
	char *argv[] = { "bosun", "--secrets-dir", NULL, "true", NULL };

	cr_assert_not_null(mkdtemp(dir));
	mkdir(path_of("s"), 0700);
	mkdir(path_of("s/..v1"), 0700);
	mkdir(path_of("s/..v1/SUB"), 0700);
	put("s/..v1/KEY", "k\n", 0600);
	put("other", "o\n", 0600);
	snprintf(other, sizeof(other), "%s", path_of("other"));
	cr_assert_eq(symlink(other, path_of("s/..v1/LINK")), 0);
	cr_assert_eq(symlink("..v1", path_of("s/..data")), 0);
	argv[2] = path_of("s");
	cr_assert_eq(cli_parse(&c, 4, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "KEY"), "k");
	cr_assert_null(envlist_get(&env, "LINK"));
	cr_assert_null(envlist_get(&env, "SUB"));
	cli_free(&c);
}

/* A plain directory: a subdirectory is skipped, a dangling link with a
 * valid name is an error naming it. */
Test(secrets, plain_directory_skips_directories_and_fails_on_dangling_links)
{
	struct config c = { 0 };
	char *argv[] = { "bosun", "--secrets-dir", NULL, "true", NULL };

	cr_assert_not_null(mkdtemp(dir));
	mkdir(path_of("s"), 0700);
	mkdir(path_of("s/SUB"), 0700);
	put("s/KEY", "k\n", 0600);
	argv[2] = path_of("s");
	cr_assert_eq(cli_parse(&c, 4, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "KEY"), "k");
	cr_assert_null(envlist_get(&env, "SUB"));
	cr_assert_eq(symlink("/nonexistent/x", path_of("s/GONE")), 0);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cr_assert(strstr(err, "cannot read secret GONE from "), "%s", err);
	cr_assert(strstr(err, "No such file or directory"), "%s", err);
	cli_free(&c);
}

/* A key too large for exec fails the whole volume, naming the key. */
Test(secrets, kubernetes_key_too_large_is_an_error_naming_it)
{
	struct config c = { 0 };
	char *argv[] = { "bosun", "--secrets-dir", NULL, "true", NULL };
	static char big[SECRETS_MAX_STRING + 10];

	cr_assert_not_null(mkdtemp(dir));
	mkdir(path_of("s"), 0700);
	mkdir(path_of("s/..v1"), 0700);
	memset(big, 'x', sizeof(big) - 1);
	put("s/..v1/BIG", big, 0600);
	cr_assert_eq(symlink("..v1", path_of("s/..data")), 0);
	argv[2] = path_of("s");
	cr_assert_eq(cli_parse(&c, 4, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cr_assert(strstr(err, "cannot read secret BIG from "), "%s", err);
	cr_assert(strstr(err, "/s/BIG: larger than the environment can carry"),
	    "%s", err);
	cr_assert_null(envlist_get(&env, "BIG"));
	cli_free(&c);
}

Test(secrets, env_reference_to_an_invalid_name_is_an_error)
{
	struct config c = { 0 };
	char *argv[] = { "bosun", "-s", "A=env:B-C", "true", NULL };

	cr_assert_eq(cli_parse(&c, 4, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cr_assert_str_eq(err, "--secret A: invalid variable name 'B-C'");
	cli_free(&c);
}

Test(secrets, invalid_names_are_skipped_before_any_lookup)
{
	struct config c = { 0 };
	char *argv[] = { "bosun", "--secrets-dir", NULL, "true", NULL };

	cr_assert_not_null(mkdtemp(dir));
	mkdir(path_of("s"), 0700);
	put("s/A", "a\n", 0600);
	symlink("user@host.123:456", path_of("s/.#A"));
	argv[2] = path_of("s");
	cr_assert_eq(cli_parse(&c, 4, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "A"), "a");
	cli_free(&c);
}

Test(secrets, env_reference_moves_the_variable)
{
	struct config c = { 0 };
	char *argv[] = { "bosun", "-s", "API_TOKEN=env:TOKEN", "true", NULL };

	cr_assert_eq(cli_parse(&c, 4, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "API_TOKEN"), "t0k");
	cr_assert_null(envlist_get(&env, "TOKEN"), "the source is removed");
	cli_free(&c);
}

Test(secrets, missing_sources_fail_closed)
{
	struct config c = { 0 };
	char *a1[] = { "bosun", "-s", "A=env:NOPE", "true", NULL };
	char *a2[] = { "bosun", "-s", "A=/nonexistent/a", "true", NULL };
	char *a3[] = { "bosun", "--secrets-dir", "/nonexistent", "true", NULL };
	char *a4[] = { "bosun", "--env-file", "/nonexistent", "true", NULL };
	char *a5[] = { "bosun", "-s", "A=/tmp", "true", NULL };
	char *a6[] = { "bosun", "-s", "1A=/etc/hostname", "true", NULL };

	cli_parse(&c, 4, a1, NULL, NULL, err, sizeof(err));
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cr_assert_str_eq(err, "secret A: variable NOPE is not set");
	cli_free(&c);
	cli_parse(&c, 4, a2, NULL, NULL, err, sizeof(err));
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cr_assert_str_eq(err, "cannot read secret A from /nonexistent/a: "
			      "No such file or directory");
	cli_free(&c);
	cli_parse(&c, 4, a3, NULL, NULL, err, sizeof(err));
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cli_free(&c);
	cli_parse(&c, 4, a4, NULL, NULL, err, sizeof(err));
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cli_free(&c);
	cli_parse(&c, 4, a5, NULL, NULL, err, sizeof(err));
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cr_assert(strstr(err, "Is a directory"), "%s", err);
	cli_free(&c);
	cli_parse(&c, 4, a6, NULL, NULL, err, sizeof(err));
	cr_assert_eq(sources_load(&x, &c.sources, NULL), -1);
	cr_assert(strstr(err, "invalid variable name"), "%s", err);
	cli_free(&c);
}

Test(secrets, secret_options_from_the_environment)
{
	struct config c = { 0 };
	char *argv[] = { "bosun", "true", NULL };
	char *envp[] = { "BOSUN_SECRETS=A=/run/a,B=env:X",
		"BOSUN_SECRETS_DIR=/run/secrets", "BOSUN_FILE_ENV=A,B_*",
		"BOSUN_ENV_FILE=/a.env,/b.env", "BOSUN_HOOK=/h1,/h2",
		"BOSUN_HOOKS_DIR=/hooks", "BOSUN_HOOK_TIMEOUT=5s", NULL };

	cr_assert_eq(cli_parse(&c, 2, argv, envp, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.sources.secrets.n, 2);
	cr_assert_str_eq(c.sources.secrets.v[1], "B=env:X");
	cr_assert_eq(c.sources.secrets_dirs.n, 1);
	cr_assert_eq(c.sources.file_env.n, 2);
	cr_assert_str_eq(c.sources.file_env.v[1], "B_*");
	cr_assert_eq(c.sources.env_files.n, 2);
	cr_assert_eq(c.sources.hooks.n, 2);
	cr_assert_str_eq(c.sources.hooks_dir.v[0], "/hooks");
	cr_assert_eq(c.sources.hook_timeout, 5000);
	cr_assert(sources_wanted(&c.sources));
	cli_free(&c);
	cr_assert_eq(cli_parse(&c, 2, argv, NULL, NULL, err, sizeof(err)), 0);
	cr_assert_not(sources_wanted(&c.sources));
	cr_assert_eq(c.sources.hook_timeout, 30000);
}

/*
 * Every copy of a value is zeroed before it is freed. This binary is
 * linked with -Wl,--wrap=free (Makefile): while tracking, each block freed
 * by bosun's code is scanned for a marker value first.
 */
#define MARK "MARK-b7e3c1-zeroed"

void __real_free(void *p);
void __wrap_free(void *p);
static volatile int tracking, found, scanned;

void
__wrap_free(void *p)
{
	if (tracking && p) {
		scanned++;
		if (memmem(p, malloc_usable_size(p), MARK, strlen(MARK)))
			found++;
	}
	__real_free(p);
}

/* Like put, without stdio: its buffer would leave the marker in the heap. */
static void
put_raw(const char *name, const char *content)
{
	int fd = open(path_of(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

Test(secrets, the_free_wrapper_sees_a_value_left_behind)
{
	char *volatile p = strdup("x=" MARK);

	tracking = 1;
	free(p);
	tracking = 0;
	cr_assert_eq(found, 1, "scanned %d; the positive control: a block still holding "
			       "the marker is found", scanned);
}

Test(secrets, every_copy_of_a_value_is_zeroed_before_free)
{
	struct config c = { 0 };
	char big[20000], spec[300], envfile[300], secdir[300], kube[300];
	char *argv[16];
	int argc = 0;
	size_t i;

	cr_assert_not_null(mkdtemp(dir));
	/* larger than the first read buffer, so that it grows by copying */
	for (i = 0; i + strlen(MARK) < sizeof(big); i += strlen(MARK))
		memcpy(big + i, MARK, strlen(MARK));
	big[i] = '\0';
	put_raw("big", big);
	put_raw("e.env", "E1=" MARK "\nE2=" MARK "\n");
	mkdir(path_of("d"), 0700);
	put_raw("d/D1", MARK "\n");
	mkdir(path_of("k"), 0700);
	mkdir(path_of("k/..v1"), 0700);
	put_raw("k/..v1/K1", MARK "\n");
	symlink("..v1", path_of("k/..data"));
	argv[argc++] = "bosun";
	snprintf(spec, sizeof(spec), "BIG=%s", path_of("big"));
	argv[argc++] = "-s";
	argv[argc++] = spec;
	snprintf(envfile, sizeof(envfile), "%s", path_of("e.env"));
	argv[argc++] = "--env-file";
	argv[argc++] = envfile;
	snprintf(secdir, sizeof(secdir), "%s", path_of("d"));
	argv[argc++] = "--secrets-dir";
	argv[argc++] = secdir;
	snprintf(kube, sizeof(kube), "%s", path_of("k"));
	argv[argc++] = "--secrets-dir";
	argv[argc++] = kube;
	argv[argc++] = "true";
	cr_assert_eq(cli_parse(&c, argc, argv, NULL, NULL, err, sizeof(err)), 0);

	tracking = 1;
	envlist_set(&env, "A", MARK);
	envlist_set(&env, "A", "replaced");
	envlist_set(&env, "B", MARK);
	envlist_unset(&env, "B");
	cr_assert_eq(parse("P=" MARK "\nP=again\n"), 0, "%s", err);
	cr_assert_eq(sources_load(&x, &c.sources, NULL), 0, "%s", err);
	cr_assert_str_eq(envlist_get(&env, "K1"), MARK);
	cr_assert_str_eq(envlist_get(&env, "E2"), MARK);
	envlist_free(&env);
	tracking = 0;
	cr_assert_gt(scanned, 10, "the wrapper saw bosun's frees");
	cr_assert_eq(found, 0, "%d freed block(s) still held a value", found);
	cli_free(&c);
}

/*
 * O(1) per env:VAR: 20,000 references, each moving its variable, took
 * seconds when every removal compacted the array and rebuilt its index.
 */
Test(secrets, env_references_cost_constant_time_each, .timeout = 30)
{
	enum { N = 20000 };
	static char *own[N + 1], *specs[N];
	struct timespec t0, t1;
	char name[32];
	const char *v;
	long ms;
	size_t i;

	envlist_free(&env);
	for (i = 0; i < N; i++) {
		cr_assert_geq(asprintf(&own[i], "V_%zu=value-%zu", i, i), 0);
		cr_assert_geq(asprintf(&specs[i], "S_%zu=env:V_%zu", i, i), 0);
	}
	cr_assert_eq(envlist_init(&env, own), 0);
	x.inherited = own;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < N; i++)
		cr_assert_eq(secrets_spec(&x, specs[i]), 0, "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	for (i = 0; i < N; i += 997) {
		snprintf(name, sizeof(name), "S_%zu", i);
		v = envlist_get(&env, name);
		cr_assert_not_null(v, "%s", name);
		cr_assert_eq(strncmp(v, "value-", 6), 0);
		snprintf(name, sizeof(name), "V_%zu", i);
		cr_assert_null(envlist_get(&env, name), "%s moved", name);
	}
	cr_assert_lt(ms, 1500, "took %ld ms", ms);
	envlist_free(&env);
	envlist_init(&env, inherited);
	for (i = 0; i < N; i++) {
		free(own[i]);
		free(specs[i]);
	}
}

/*
 * The scrub after exec zeroes, in bosun's own environment, every entry
 * named by an env:VAR reference (duplicates too) and nothing else, in
 * O(log n) per entry: 20,000 references against 40,000 entries took
 * seconds when each reference scanned the whole environment.
 */
Test(secrets, scrub_zeroes_referenced_values_only_and_fast, .timeout = 30)
{
	enum { N = 40000 };
	static char *own[N + 4];
	struct sources s = { 0 };
	struct timespec t0, t1;
	char spec[64];
	long ms;
	size_t i;

	for (i = 0; i < N; i++) {
		cr_assert_geq(asprintf(&own[i], "V_%zu=value-%zu", i, i), 0);
		snprintf(spec, sizeof(spec), "S_%zu=%s", i,
		    i % 2 ? "env:V_" : "/run/secrets/V_");
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec),
		    "%zu", i);
		cr_assert_eq(strlist_add(&s.secrets, spec), 0);
	}
	own[N] = strdup("V_1=again");
	own[N + 1] = strdup("V_1X=kept");
	own[N + 2] = strdup("NOEQUALS");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sources_scrub(&s, own);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	for (i = 0; i < N; i += 7) {
		if (i % 2)
			cr_assert_eq(memcmp(strchr(own[i], '=') + 1,
			                 "\0\0\0\0\0\0", 6),
			    0, "%zu zeroed", i);
		else
			cr_assert_eq(strncmp(strchr(own[i], '=') + 1, "value-",
			                 6),
			    0, "%zu kept", i);
	}
	cr_assert_eq(memcmp(own[N], "V_1=\0\0\0\0\0", 9), 0, "duplicate too");
	cr_assert_str_eq(own[N + 1], "V_1X=kept");
	cr_assert_str_eq(own[N + 2], "NOEQUALS");
	cr_assert_lt(ms, 1000, "took %ld ms", ms);
	for (i = 0; i < N + 3; i++)
		free(own[i]);
	strlist_free(&s.secrets);
}

/* The files of a directory are set in strcmp order of their names, also
 * where names first differ past their sixteenth byte or by case. */
Test(secrets, directory_files_are_set_in_name_order)
{
	const char *order[] = { "A", "AAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAB",
		"AAAAAAAAAAAAAAAB", "A_", "B", "SECRET_10", "SECRET_9", "_x",
		"a", "ab" };
	const char *made[] = { "ab", "SECRET_9", "AAAAAAAAAAAAAAAB", "a", "B",
		"AAAAAAAAAAAAAAAAB", "_x", "A_", "SECRET_10", "A",
		"AAAAAAAAAAAAAAAAA" };
	size_t k = sizeof(order) / sizeof(order[0]), i;
	char name[64];

	cr_assert_not_null(mkdtemp(dir));
	mkdir(path_of("s"), 0700);
	for (i = 0; i < k; i++) {
		snprintf(name, sizeof(name), "s/%s", made[i]);
		put(name, "v\n", 0600);
	}
	cr_assert_eq(secrets_dir(&x, path_of("s")), 0, "%s", err);
	cr_assert_eq(env.n, 3 + k);
	for (i = 0; i < k; i++)
		cr_assert_eq(strncmp(env.v[3 + i], order[i], strlen(order[i])),
		    0, "%zu: %s, not %s", i, env.v[3 + i], order[i]);
}

Test(secrets, envfile_sources_name_lines_past_nine)
{
	const char text[] = "\n\n\n\n\n\n\n\n\n\n\nA=ab\0cd\n";

	cr_assert_eq(secrets_parse_envfile(&x, text, sizeof(text) - 1, "f"), -1);
	cr_assert(strstr(err, "A from f:12 contains"), "%s", err);
}

/* What the watch callback was given, in order. */
static char watched[8][300];
static int nwatched, watch_fails;

static int
record_watch(void *arg, const char *path)
{
	cr_assert_eq(arg, &nwatched);
	if (watch_fails) {
		errno = ENOSPC;
		return -1;
	}
	cr_assert_lt(nwatched, 8);
	snprintf(watched[nwatched++], sizeof(watched[0]), "%s", path);
	return 0;
}

Test(secrets, every_file_source_is_watched_before_it_is_read)
{
	struct config c = { 0 };
	const struct hook_ctl no_hooks = { 0 };
	char s1[300], s2[300], envfile[300], secdir[300];
	char *argv[16];
	int argc = 0;

	cr_assert_not_null(mkdtemp(dir));
	mkdir(path_of("secrets"), 0700);
	put("app.env", "A=1\n", 0600);
	put("secrets/B", "2\n", 0600);
	put("ff", "3\n", 0600);
	put("sec", "4\n", 0600);
	snprintf(envfile, sizeof(envfile), "%s", path_of("app.env"));
	snprintf(secdir, sizeof(secdir), "%s", path_of("secrets"));
	snprintf(s1, sizeof(s1), "D=%s", path_of("sec"));
	snprintf(s2, sizeof(s2), "E=env:TOKEN");
	argv[argc++] = "bosun";
	argv[argc++] = "--env-file";
	argv[argc++] = envfile;
	argv[argc++] = "--secrets-dir";
	argv[argc++] = secdir;
	argv[argc++] = "--file-env";
	argv[argc++] = "C";
	argv[argc++] = "-s";
	argv[argc++] = s1;
	argv[argc++] = "-s";
	argv[argc++] = s2;
	argv[argc++] = "true";
	argv[argc] = NULL;
	cr_assert_eq(cli_parse(&c, argc, argv, NULL, NULL, err, sizeof(err)),
	    0, "%s", err);
	own("C_FILE", path_of("ff"));
	own("TOKEN", "t0k");
	restart();
	x.watch = record_watch;
	x.watch_arg = &nwatched;
	cr_assert_eq(sources_load(&x, &c.sources, &no_hooks), 0, "%s", err);
	cr_assert_eq(nwatched, 5, "env:TOKEN is no file");
	cr_assert_str_eq(watched[0], envfile);
	cr_assert_str_eq(watched[1], secdir);
	cr_assert_str_eq(watched[2], path_of("secrets/B"),
	    "a plain directory's files too, for their inodes");
	cr_assert_str_eq(watched[3], path_of("ff"));
	cr_assert_str_eq(watched[4], path_of("sec"));
	cr_assert_str_eq(envlist_get(&env, "D"), "4");

	restart();
	watch_fails = 1;
	cr_assert_eq(sources_load(&x, &c.sources, &no_hooks), -1);
	cr_assert(strstr(err, "cannot watch"), "%s", err);
	cr_assert_null(envlist_get(&env, "A"), "not read when not watched");
	watch_fails = 0;
	cli_free(&c);
}
