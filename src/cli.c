// SPDX-License-Identifier: MIT
/*
 * cli: the command line and the BOSUN_* environment, turned into a struct
 * config. Pure: reads only its arguments, prints nothing, never exits.
 *
 * One table says everything about an option: its spellings, its
 * environment twin, how its value is parsed and into which field, and its
 * line in --help. When both are given the command line replaces the
 * environment value entirely (lists are not merged). An unknown BOSUN_*
 * variable is an error, so that a misspelt setting is never ignored.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "parse.h"
#include "version.h" /* build/gen: BOSUN_GIT */
#include "target.h"

#define VERSION "0.1.0"

#define NAME_CHAR(ch)                                                          \
	((ch) == '_' || ((ch) >= 'A' && (ch) <= 'Z') ||                        \
	    ((ch) >= 'a' && (ch) <= 'z') || ((ch) >= '0' && (ch) <= '9'))

/* FLAG and COUNT take no value on the command line; ACTION is --help and
 * --version, recognised only as such (and with no twin). */
enum kind { FLAG, COUNT, VALUE, LIST, ACTION };

/* Sets the field from one value (one item, for a list). */
typedef int setter(void *field, const char *v, const struct cli_checks *ck,
    char *err, size_t len);

struct option {
	char short_name;
	const char *long_name;
	const char *env;
	enum kind kind;
	setter *set;
	size_t field; /* offsetof(struct config, ...) */
	const char *arg;
	const char *help;    /* lines after the first indented by the table */
	const char *section; /* a heading printed before the option */
};

static int
set_flag(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	*(int *)field = 1;
	return 0;
}

static int
set_count(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	if (v == NULL)
		++*(int *)field;
	else
		*(int *)field = atoi(v);
	return 0;
}

static int
set_rewrite(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	return sig_map_add(field, v, err, len);
}

static int
set_duration(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	if (cli_duration(v, field) == 0)
		return 0;
	snprintf(err, len,
	    "bad duration '%s' (use e.g. 250ms, 10s, 2m; at most 24h)", v);
	return -1;
}

static int
set_timeout(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	if (set_duration(field, v, ck, err, len) < 0)
		return -1;
	if (*(long long *)field > 0)
		return 0;
	snprintf(err, len, "a hook needs more than 0 ms");
	return -1;
}

/* A time to wait for something, which must be more than nothing. */
static int
set_wait_time(void *field, const char *v, const struct cli_checks *ck,
    char *err, size_t len)
{
	if (set_duration(field, v, ck, err, len) < 0)
		return -1;
	if (*(long long *)field > 0)
		return 0;
	snprintf(err, len, "needs more than 0 ms");
	return -1;
}

static int
set_exit_code(void *field, const char *v, const struct cli_checks *ck,
    char *err, size_t len)
{
	unsigned long long code;

	if (parse_number(v, 255, &code) < 0) {
		snprintf(err, len, "bad exit code '%s' (0 to 255)", v);
		return -1;
	}
	supervise_remap_add(field, (int)code);
	return 0;
}

static int
set_signal(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	int sig = sig_parse(v);

	if (sig <= 0 || !sig_catchable(sig) || sig == SIGCHLD) {
		snprintf(err, len, "bad signal '%s'", v);
		return -1;
	}
	*(int *)field = sig;
	return 0;
}

/* --on-change: a signal to send, or restart (SUPERVISE_RESTART). */
static int
set_action(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	int sig = sig_parse(v);

	if (strcmp(v, "restart") == 0) {
		*(int *)field = SUPERVISE_RESTART;
		return 0;
	}
	if (sig <= 0 || !sig_catchable(sig) || sig == SIGCHLD) {
		snprintf(err, len,
		    "bad action '%s' (a signal such as HUP, or restart)", v);
		return -1;
	}
	*(int *)field = sig;
	return 0;
}

static int
set_log_format(void *field, const char *v, const struct cli_checks *ck,
    char *err, size_t len)
{
	if (strcmp(v, "text") == 0 || strcmp(v, "json") == 0) {
		*(int *)field = v[0] == 'j';
		return 0;
	}
	snprintf(err, len, "unknown format '%s' (text or json)", v);
	return -1;
}

static int
out_of_memory(char *err, size_t len)
{
	snprintf(err, len, "out of memory");
	return -1;
}

static int
add_item(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	return strlist_add(field, v) < 0 ? out_of_memory(err, len) : 0;
}

/* A list of one item at most: a later value replaces it. */
static int
set_only_item(void *field, const char *v, const struct cli_checks *ck,
    char *err, size_t len)
{
	strlist_free(field);
	return add_item(field, v, ck, err, len);
}

static int
set_string(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	char **s = field;

	free(*s);
	return (*s = strdup(v)) ? 0 : out_of_memory(err, len);
}

static int
add_secret(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	const char *eq = strchr(v, '=');

	if (!eq || eq == v || eq[1] == '\0') {
		snprintf(err, len, "bad secret '%s': expected NAME=SOURCE", v);
		return -1;
	}
	return add_item(field, v, ck, err, len);
}

/* A name, or a shell pattern of names: name characters, '*', '?' and
 * bracket expressions only, so that no path or option is taken for one.
 * Returns 0, -1, or -2 for one of the booleans the option once took. */
static int
file_env_item(const char *p, size_t n)
{
	static const char *const bools[] = { "1", "0", "true", "false", "yes",
		"no", "on", "off" };
	int meta = 0;
	size_t i, k;

	for (k = 0; k < sizeof(bools) / sizeof(bools[0]); k++)
		if (strlen(bools[k]) == n && strncasecmp(p, bools[k], n) == 0)
			return -2;
	for (i = 0; i < n; i++) {
		if (p[i] == '*' || p[i] == '?') {
			meta = 1;
		} else if (p[i] == '[') {
			meta = 1;
			for (k = ++i; i < n && p[i] != ']'; i++)
				if (!(NAME_CHAR(p[i]) || p[i] == '!' ||
				        p[i] == '^' || p[i] == '-'))
					return -1;
			if (i == n || i == k)
				return -1;
		} else if (!NAME_CHAR(p[i])) {
			return -1;
		}
	}
	return n > 0 && (meta || p[0] < '0' || p[0] > '9') ? 0 : -1;
}

static int
add_names(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	const char *cursor = v, *p;
	char item[256];
	size_t n;
	int r;

	while (parse_list_next(&cursor, &p, &n)) {
		if ((r = file_env_item(p, n)) == -2) {
			snprintf(err, len,
			    "takes the names of the variables to read from "
			    "NAME_FILE or FILE__NAME now (e.g. "
			    "POSTGRES_PASSWORD,POSTGRES_USER or '*'), not "
			    "'%.*s'",
			    (int)n, p);
			return -1;
		}
		if (r < 0 || parse_list_copy(p, n, item, sizeof(item)) < 0) {
			if (n == 0)
				snprintf(err, len, "empty name");
			else
				snprintf(err, len,
				    "'%.*s' is not a variable name or a "
				    "pattern of names (NAME[,NAME...], e.g. "
				    "POSTGRES_PASSWORD or 'POSTGRES_*')",
				    (int)(n < 64 ? n : 64), p);
			return -1;
		}
		if (add_item(field, item, ck, err, len) < 0)
			return -1;
	}
	return 0;
}

static int
add_caps(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	struct cli_caps *caps = field;

	caps->given = 1;
	return ck && ck->caps ? ck->caps(v, &caps->set, err, len) : 0;
}

static int
set_profile(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	if (strcmp(v, "baseline") == 0 || strcmp(v, "off") == 0) {
		*(int *)field = v[0] == 'b';
		return 0;
	}
	snprintf(err, len, "unknown profile '%s' (baseline or off)", v);
	return -1;
}

/* System call names, appended to a comma-separated list. */
static int
add_syscalls(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	char **list = field, *s;
	size_t old = *list ? strlen(*list) : 0;

	if (strspn(v, ",") == strlen(v)) {
		snprintf(err, len, "empty list of system calls");
		return -1;
	}
	if (ck && ck->syscalls && ck->syscalls(v, err, len) < 0)
		return -1;
	if (!(s = realloc(*list, old + strlen(v) + 2)))
		return out_of_memory(err, len);
	if (old)
		s[old++] = ',';
	strcpy(s + old, v);
	*list = s;
	return 0;
}

/* As set_signal, and KILL too (tini's -p SIGKILL): bosun dies with its
 * parent, and as PID 1 its namespace with it. */
static int
set_pdeathsig(void *field, const char *v, const struct cli_checks *ck,
    char *err, size_t len)
{
	if (sig_parse(v) != SIGKILL)
		return set_signal(field, v, ck, err, len);
	*(int *)field = SIGKILL;
	return 0;
}

/* A --wait target, checked now so that a typo is a usage error. */
static int
add_target(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	struct target t;

	if (target_parse(v, &t, err, len) < 0)
		return -1;
	return add_item(field, v, ck, err, len);
}

static int
set_target(void *field, const char *v, const struct cli_checks *ck, char *err,
    size_t len)
{
	struct target t;

	if (target_parse(v, &t, err, len) < 0)
		return -1;
	return set_string(field, v, ck, err, len);
}

#define F(name) offsetof(struct config, name)
#define SRC(name) offsetof(struct config, sources.name)

/* In the order of --help; help lines after the first are indented. */
static const struct option options[] = {
	{ 'g', "process-group", "BOSUN_PROCESS_GROUP", FLAG, set_flag,
	    F(process_group), NULL,
	    "signal the command's process group, not only it", NULL },
	{ 'r', "rewrite", "BOSUN_REWRITE", LIST, set_rewrite, F(rewrite),
	    "FROM:TO", "deliver TO instead of FROM (TO=0 drops); repeatable",
	    NULL },
	{ 'k', "kill-after", "BOSUN_KILL_AFTER", VALUE, set_duration,
	    F(kill_after), "DUR",
	    "SIGKILL everything DUR after a stop signal\n"
	    "(TERM, INT, QUIT) was forwarded (default: never)",
	    NULL },
	{ 0, "grace", "BOSUN_GRACE", VALUE, set_duration, F(grace), "DUR",
	    "after the command exited, time between SIGTERM\n"
	    "and SIGKILL for what is left (default 3s)",
	    NULL },
	{ 0, "stop-delay", "BOSUN_STOP_DELAY", VALUE, set_duration,
	    F(stop_delay), "DUR",
	    "hold the first stop signal this long "
	    "(default 0)",
	    NULL },
	{ 'e', "remap-exit", "BOSUN_REMAP_EXIT", LIST, set_exit_code, F(remap),
	    "CODE", "exit 0 when the command exits CODE; repeatable", NULL },
	{ 'p', "pdeathsig", "BOSUN_PDEATHSIG", VALUE, set_pdeathsig,
	    F(pdeathsig), "SIG",
	    "signal to take and forward when bosun's parent dies", NULL },
	{ 'v', "verbose", "BOSUN_VERBOSE", COUNT, set_count, F(verbose), NULL,
	    "more diagnostics on stderr; repeatable", NULL },
	{ 0, "log-format", "BOSUN_LOG_FORMAT", VALUE, set_log_format,
	    F(log_format), "FMT", "text (default) or json: one object per line",
	    NULL },
	{ 0, "termination-log", "BOSUN_TERMINATION_LOG", VALUE, set_string,
	    F(termination_log), "PATH",
	    "why the command ended, one line, unless it wrote\n"
	    "PATH itself (default /dev/termination-log if\n"
	    "writable; off: never)",
	    NULL },
	/* the sources of the environment, in sources.c's order */
	{ 0, "env-file", "BOSUN_ENV_FILE", LIST, add_item, SRC(env_files),
	    "PATH", "NAME=VALUE lines, Docker's syntax; repeatable",
	    "The command's environment (later sources win; a missing one is "
	    "an error):" },
	{ 0, "secrets-dir", "BOSUN_SECRETS_DIR", LIST, add_item,
	    SRC(secrets_dirs), "DIR",
	    "each file in DIR is a variable named after it\n"
	    "(/run/secrets, Kubernetes secret volumes)",
	    NULL },
	{ 0, "file-env", "BOSUN_FILE_ENV", LIST, add_names, SRC(file_env),
	    "NAME,...",
	    "NAME from the file at NAME_FILE or FILE__NAME\n"
	    "in bosun's own environment; NAME may be a shell\n"
	    "pattern (POSTGRES_*, * for all); repeatable",
	    NULL },
	{ 's', "secret", "BOSUN_SECRETS", LIST, add_secret, SRC(secrets),
	    "NAME=SRC", "NAME from file SRC, or from env:VAR; repeatable",
	    NULL },
	{ 0, "hooks-dir", "BOSUN_HOOKS_DIR", VALUE, set_only_item,
	    SRC(hooks_dir), "DIR",
	    "run each executable in DIR, in lexical order", NULL },
	{ 0, "hook", "BOSUN_HOOK", LIST, add_item, SRC(hooks), "PATH",
	    "run PATH; its NAME=VALUE output is merged in", NULL },
	{ 0, "hook-timeout", "BOSUN_HOOK_TIMEOUT", VALUE, set_timeout,
	    SRC(hook_timeout), "DUR",
	    "kill a hook that runs longer (default 30s)", NULL },
	{ 'u', "user", "BOSUN_USER", VALUE, set_string, F(user), "USER[:GRP]",
	    "names or ids; groups from /etc/group, HOME set",
	    "The command's privileges (set in the child, just before exec):" },
	{ 0, "caps", "BOSUN_CAPS", VALUE, add_caps, F(caps), "CAP,...",
	    "capabilities kept (net_bind_service, ...); with\n"
	    "--user they are ambient, all others are dropped",
	    NULL },
	{ 0, "allow-new-privs", "BOSUN_ALLOW_NEW_PRIVS", FLAG, set_flag,
	    F(allow_new_privs), NULL,
	    "do not set NO_NEW_PRIVS (set with --user, --caps)", NULL },
	{ 0, "seccomp", "BOSUN_SECCOMP", VALUE, set_profile,
	    F(seccomp_baseline), "PROFILE", "baseline or off (default)", NULL },
	{ 0, "seccomp-deny", "BOSUN_SECCOMP_DENY", VALUE, add_syscalls,
	    F(seccomp_deny), "SYSCALL,...",
	    "also deny these system calls (EPERM)", NULL },
	{ 0, "on-change", "BOSUN_ON_CHANGE", VALUE, set_action, F(on_change),
	    "ACTION",
	    "when a secret source or a --watch path changed:\n"
	    "send a signal (HUP, USR1, ...) or restart",
	    "Acting on changes (inotify; no polling):" },
	{ 0, "watch", "BOSUN_WATCH", LIST, add_item, F(watch), "PATH",
	    "also watch this file or directory tree; repeatable", NULL },
	{ 0, "watch-settle", "BOSUN_WATCH_SETTLE", VALUE, set_duration,
	    F(watch_settle), "DUR",
	    "act once changes stopped for DUR (default 1s)", NULL },
	{ 0, "wait", "BOSUN_WAIT", LIST, add_target, F(wait), "TARGET",
	    "start the command once TARGET is ready; repeatable,\n"
	    "all in parallel: tcp://HOST:PORT, unix:/PATH,\n"
	    "file:/PATH, http://HOST[:PORT]/PATH (answers 2xx)",
	    "Dependencies and health (no https):" },
	{ 0, "wait-timeout", "BOSUN_WAIT_TIMEOUT", VALUE, set_wait_time,
	    F(wait_timeout), "DUR",
	    "exit 125 when a target is not ready by then\n"
	    "(default 60s)",
	    NULL },
	{ 0, "probe", "BOSUN_PROBE", VALUE, set_target, F(probe), "TARGET",
	    "check TARGET once, run no command: exit 0 if it\n"
	    "is ready, 1 if not (HEALTHCHECK without a shell)",
	    NULL },
	{ 0, "probe-timeout", "BOSUN_PROBE_TIMEOUT", VALUE, set_wait_time,
	    F(probe_timeout), "DUR", "--probe's time limit (default 5s)",
	    NULL },
	{ 'P', "pause", "BOSUN_PAUSE", FLAG, set_flag, F(pause), NULL,
	    "run no command: sleep, reap what is adopted, exit 0\n"
	    "on SIGTERM or SIGINT (Podman's pod infra init)",
	    "In place of tini and catatonit (see bosun(8)):" },
	{ 'w', "warn-reap", "BOSUN_WARN_REAP", FLAG, set_flag, F(warn_reap),
	    NULL, "warn for each zombie reaped that is not the command", NULL },
	{ 0, "subreaper", "BOSUN_SUBREAPER", FLAG, set_flag, F(subreaper), NULL,
	    "accepted for tini: bosun is always a subreaper;\n"
	    "-s without NAME=SRC is this",
	    NULL },
	{ 'h', "help", NULL, ACTION, NULL, 0, NULL, "print this help and exit",
	    "" },
	{ 'V', "version", NULL, ACTION, NULL, 0, NULL,
	    "print the version and exit", NULL },
	{ 'L', "license", NULL, ACTION, NULL, 0, NULL,
	    "print the license and exit (also -l)", NULL },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const char help_head[] =
    "Usage: bosun [OPTIONS] [--] COMMAND [ARG...]\n"
    "\n"
    "Runs COMMAND as a supervised child: reaps zombies, forwards signals, "
    "hands\n"
    "over the terminal, and gives what is left a graceful stop at the "
    "end.\n"
    "\n";

static const char help_tail[] =
    "\n"
    "Each option is also read from BOSUN_<NAME>, e.g. "
    "BOSUN_KILL_AFTER=10s,\n"
    "BOSUN_PROCESS_GROUP=1, BOSUN_REWRITE=TERM:QUIT,HUP:0, "
    "BOSUN_VERBOSE=2,\n"
    "BOSUN_SECRETS=A=/run/secrets/a,B=env:X (lists comma-separated); the\n"
    "command line wins. DUR: 250ms, 10s, 2m, 1h or seconds. SIG: TERM,\n"
    "SIGTERM, rtmin+3 or a number.\n"
    "\n"
    "Exit status: the command's, or 128+N if signal N killed it; 125 "
    "bosun\n"
    "failed before the command ran (usage, secret, user, privileges, "
    "seccomp),\n"
    "126 cannot execute, 127 not found.\n"
    "\n"
    "Why it ended goes to --termination-log, which Kubernetes shows as\n"
    "lastState.terminated.message: a pod with\n"
    "  containers: [{name: w, image: w, command: [/sbin/bosun, --, /w],\n"
    "                resources: {limits: {memory: 64Mi}}}]\n"
    "gets e.g. \"killed by the OOM killer (memory.max 64 MiB, peak 63.9 "
    "MiB)\".\n";

/* The form dockerd parses for `docker info` (tini's): the commit after
 * " - git." */
const char cli_version[] = "bosun version " VERSION " - git." BOSUN_GIT "\n";

/* LICENSE, and what a static build carries besides */
const char cli_license[] =
#include "license.inc"
    "\n"
    "The static binary also contains musl (MIT), libcap (BSD-3-Clause or\n"
    "GPL-2.0-only) and libseccomp (LGPL-2.1-only); a dynamic build links\n"
    "libcap and libseccomp. Their notices: /usr/share/doc/bosun/copyright.\n";

/* The column where the options' descriptions start. */
#define HELP_COLUMN 25

/* Appends to buf at *at; -1 once it is full. */
static int help_add(char *buf, size_t len, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
help_add(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *at)
		return -1;
	*at += n;
	return 0;
}

/* The --help text, made from the option table. Returns 0, or -1 when it
 * does not fit in buf. */
int
cli_help(char *buf, size_t len)
{
	const struct option *o;
	const char *h, *nl;
	size_t at = 0, i;
	int col, r;

	r = help_add(buf, len, &at, "%s", help_head);
	for (i = 0; i < NOPTIONS && r == 0; i++) {
		o = &options[i];
		if (o->section)
			r = help_add(buf, len, &at, "%s%s\n",
			    i && o->section[0] ? "\n" : "", o->section);
		col = (int)at;
		if (o->short_name)
			r |= help_add(buf, len, &at, "  -%c, ", o->short_name);
		else
			r |= help_add(buf, len, &at, "      ");
		r |= help_add(buf, len, &at, "--%s%s%s", o->long_name,
		    o->arg ? " " : "", o->arg ? o->arg : "");
		col = (int)(at - col);
		/* a long left column gets two spaces */
		r |= help_add(buf, len, &at, "%*s",
		    col < HELP_COLUMN ? HELP_COLUMN - col : 2, "");
		for (h = o->help; r == 0; h = nl + 1) {
			nl = strchrnul(h, '\n');
			r = help_add(buf, len, &at, "%.*s\n", (int)(nl - h), h);
			if (*nl == '\0')
				break;
			r = help_add(buf, len, &at, "%*s", HELP_COLUMN, "");
		}
	}
	if (r == 0)
		r = help_add(buf, len, &at, "%s", help_tail);
	return r < 0 ? -1 : 0;
}

/* Milliseconds from "250ms", "10s", "2m", "1h" or a bare "5" (seconds). */
int
cli_duration(const char *s, long long *ms)
{
	unsigned long long n;
	long long unit = 1000;
	const char *p;

	if (parse_digits(s, CLI_DURATION_MAX, &n, &p) < 0)
		return -1;
	if (strcmp(p, "ms") == 0)
		unit = 1;
	else if (strcmp(p, "m") == 0)
		unit = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		unit = 3600 * 1000;
	else if (*p != '\0' && strcmp(p, "s") != 0)
		return -1;
	if ((long long)n > CLI_DURATION_MAX / unit)
		return -1;
	*ms = (long long)n * unit;
	return 0;
}

void
cli_free(struct config *c)
{
	struct sources *s = &c->sources;

	/* what the setters allocated; safe to call again */
	strlist_free(&s->env_files);
	strlist_free(&s->secrets_dirs);
	strlist_free(&s->file_env);
	strlist_free(&s->secrets);
	strlist_free(&s->hooks_dir);
	strlist_free(&s->hooks);
	strlist_free(&c->wait);
	strlist_free(&c->watch);
	free(c->user);
	free(c->seccomp_deny);
	free(c->probe);
	free(c->termination_log);
	c->user = c->seccomp_deny = c->probe = c->termination_log = NULL;
}

static int
parse_bool(const char *v)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off", "" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcmp(v, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcmp(v, no[i]) == 0)
			return 0;
	return -1;
}

/* Sets o's field from one value; a message is prefixed with spelt. */
static int
apply(struct config *c, const struct option *o, const char *v,
    const char *spelt, const struct cli_checks *ck, char *err, size_t len)
{
	char sub[200];

	if (o->set((char *)c + o->field, v, ck, sub, sizeof(sub)) == 0)
		return 0;
	snprintf(err, len, "%s: %s", spelt, sub);
	return -1;
}

/* Applies an environment twin's value; lists are comma-separated. */
static int
apply_env(struct config *c, const struct option *o, const char *v,
    const struct cli_checks *ck, char *err, size_t len)
{
	const char *cursor = v, *p;
	char item[4096];
	size_t n;
	int b;

	switch (o->kind) {
	case FLAG:
		if ((b = parse_bool(v)) < 0)
			break;
		return b ? apply(c, o, NULL, o->env, ck, err, len) : 0;
	case COUNT:
		if (v[0] < '0' || v[0] > '9' || v[1] != '\0')
			break;
		return apply(c, o, v, o->env, ck, err, len);
	case VALUE:
		return *v ? apply(c, o, v, o->env, ck, err, len) : 0;
	case LIST:
		while (parse_list_next(&cursor, &p, &n)) {
			if (n == 0)
				continue;
			if (parse_list_copy(p, n, item, sizeof(item)) < 0) {
				snprintf(err, len, "%s: item too long", o->env);
				return -1;
			}
			if (apply(c, o, item, o->env, ck, err, len) < 0)
				return -1;
		}
		return 0;
	case ACTION:
		break;
	}
	snprintf(err, len, "bad value '%s' for %s", v, o->env);
	return -1;
}

/* The option spelt --name (its n bytes), or -c when name is NULL. */
static const struct option *
find_option(const char *name, size_t n, char c)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		if (options[i].kind == ACTION)
			continue;
		if (name ? strncmp(options[i].long_name, name, n) == 0 &&
		            options[i].long_name[n] == '\0'
		         : options[i].short_name == c)
			return &options[i];
	}
	return NULL;
}

/* The twin named by the n bytes at name, or NULL. */
static const struct option *
find_twin(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (options[i].env && strncmp(options[i].env, name, n) == 0 &&
		    options[i].env[n] == '\0')
			return &options[i];
	return NULL;
}

/* The state of a pass over argv. */
struct args {
	int argc, i;
	char **argv;
	char given[NOPTIONS]; /* options[n] was given: argv, then its twin */
	const struct cli_checks *ck;
	char *err;
	size_t len;
};

/* "--name", "--name=value" or "--name value". */
static int
long_option(struct config *c, struct args *a, const char *arg)
{
	const char *eq = strchr(arg + 2, '='), *v = NULL;
	const struct option *o;

	o = find_option(
	    arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2), 0);
	if (!o) {
		snprintf(a->err, a->len, "unknown option '%s'", arg);
		return -1;
	}
	if ((o->kind == FLAG || o->kind == COUNT) && eq) {
		snprintf(a->err, a->len, "option '--%s' takes no value",
		    o->long_name);
		return -1;
	}
	if (o->kind != FLAG && o->kind != COUNT) {
		if (eq) {
			v = eq + 1;
		} else if (a->i + 1 < a->argc) {
			v = a->argv[++a->i];
		} else {
			snprintf(a->err, a->len, "option '--%s' needs a value",
			    o->long_name);
			return -1;
		}
	}
	a->given[o - options] = 1;
	return apply(c, o, v, arg, a->ck, a->err, a->len);
}

/*
 * -s is --secret NAME=SOURCE, and tini's -s (subreaper, no value): the
 * secret when the value that would follow (the rest of the bundle, or
 * the next word) is NAME=SOURCE, tini's flag otherwise. A secret without
 * '=' is an error either way: as a flag, its word becomes the command.
 * A word starting with '-' is an option (-s --grace=1s): no name does.
 */
static int
secret_follows(const struct args *a, const char *arg)
{
	const char *v = arg[1]   ? arg + 1
	    : a->i + 1 < a->argc ? a->argv[a->i + 1]
	                         : NULL;

	return v && v[0] != '-' && strchr(v, '=') != NULL;
}

/* A bundle of short options: -gv, -k5s, -k 5s. */
static int
short_options(struct config *c, struct args *a, const char *arg)
{
	const struct option *o;
	char spelt[3] = "-?";
	const char *v;

	for (arg++; *arg; arg++) {
		spelt[1] = *arg;
		if (!(o = find_option(NULL, 0, *arg))) {
			snprintf(a->err, a->len, "unknown option '%s'", spelt);
			return -1;
		}
		if (*arg == 's' && !secret_follows(a, arg)) {
			/* tini's -s (subreaper): a flag here */
			o = find_option("subreaper", 9, 0);
		}
		a->given[o - options] = 1;
		if (o->kind == FLAG || o->kind == COUNT) {
			if (apply(c, o, NULL, spelt, a->ck, a->err, a->len) < 0)
				return -1;
			continue;
		}
		if (arg[1] != '\0') {
			v = arg + 1;
		} else if (a->i + 1 < a->argc) {
			v = a->argv[++a->i];
		} else {
			snprintf(
			    a->err, a->len, "option '%s' needs a value", spelt);
			return -1;
		}
		return apply(c, o, v, spelt, a->ck, a->err, a->len);
	}
	return 0;
}

/* Parses argv[1..] until the command; returns the command's index. */
static int
parse_args(struct config *c, struct args *a)
{
	const char *arg;
	int r;

	for (a->i = 1; a->i < a->argc; a->i++) {
		arg = a->argv[a->i];
		if (strcmp(arg, "--") == 0)
			return a->i + 1;
		if (arg[0] != '-' || arg[1] == '\0')
			return a->i;
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			c->action = CLI_HELP;
			return a->argc;
		}
		if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
			c->action = CLI_VERSION;
			return a->argc;
		}
		/* -l is tini's spelling, -L catatonit's */
		if (strcmp(arg, "-l") == 0 || strcmp(arg, "-L") == 0 ||
		    strcmp(arg, "--license") == 0) {
			c->action = CLI_LICENSE;
			return a->argc;
		}
		r = arg[1] == '-' ? long_option(c, a, arg)
		                  : short_options(c, a, arg);
		if (r < 0)
			return -1;
	}
	return a->i;
}

/*
 * One pass over the environment: each BOSUN_* variable must be an
 * option's twin; the first of two with one name counts, as getenv. Then
 * the twins of the options not on the command line are applied.
 */
static int
parse_env(struct config *c, char *const *envp, struct args *a)
{
	const char *val[NOPTIONS] = { 0 }, *eq;
	const struct option *o;
	char *const *e;
	size_t i;

	for (e = envp; e && *e; e++) {
		if ((*e)[0] != 'B' || strncmp(*e, "BOSUN_", 6) != 0)
			continue;
		eq = strchr(*e, '=');
		if (!eq || !(o = find_twin(*e, eq - *e))) {
			snprintf(a->err, a->len, "unknown variable %.*s",
			    eq ? (int)(eq - *e) : 64, *e);
			return -1;
		}
		if (!val[o - options])
			val[o - options] = eq + 1;
	}
	for (i = 0; i < NOPTIONS; i++) {
		if (a->given[i] || !val[i] || *val[i] == '\0')
			continue;
		if (apply_env(c, &options[i], val[i], a->ck, a->err, a->len) <
		    0)
			return -1;
		a->given[i] = 1;
	}
	return 0;
}

/* Whether the option named long_name was given, by argv or its twin. */
static int
given(const struct args *a, const char *long_name)
{
	return a->given[find_option(long_name, strlen(long_name), 0) - options];
}

/*
 * tini's variables, so that an image written for tini keeps its meaning:
 * each counts only when neither the option nor its BOSUN_* twin was
 * given, and, as for tini, by being set at all (TINI_VERBOSITY by its
 * number; empty is unset, as for BOSUN_*). They stay in the command's
 * environment, as with tini.
 */
static int
parse_tini_env(struct config *c, char *const *envp, const struct args *a)
{
	const char *verbosity = NULL;
	unsigned long long n;
	int kill_group = 0;
	char *const *e;

	for (e = envp; e && *e; e++) {
		if ((*e)[0] != 'T' || strncmp(*e, "TINI_", 5) != 0)
			continue;
		/* the first of two with one name counts, as getenv */
		if (!verbosity && strncmp(*e, "TINI_VERBOSITY=", 15) == 0)
			verbosity = *e + 15;
		else if (strncmp(*e, "TINI_KILL_PROCESS_GROUP=", 24) == 0)
			kill_group = 1;
		/* TINI_SUBREAPER: bosun always is one */
	}
	if (verbosity && *verbosity && !given(a, "verbose")) {
		/* tini takes any number: more than its most says all */
		if (parse_number(verbosity, 999999, &n) < 0) {
			snprintf(a->err, a->len,
			    "TINI_VERBOSITY: bad value '%.32s' (a number)",
			    verbosity);
			return -1;
		}
		if (n > 9)
			n = 9;
		/* tini's 1 (its default) is errors and warnings: our 0 */
		c->verbose = n > 0 ? (int)n - 1 : 0;
	}
	/* tini's twin of its -g: signals go to the command's group */
	if (kill_group && !given(a, "process-group"))
		c->process_group = 1;
	return 0;
}

/* What --on-change and --watch cannot do. */
static int
check_watch(const struct config *c, char *err, size_t len)
{
	if (c->watch.n && !c->on_change) {
		snprintf(err, len, "--watch needs --on-change");
		return -1;
	}
	return 0;
}

int
cli_parse(struct config *c, int argc, char **argv, char *const *envp,
    const struct cli_checks *checks, char *err, size_t len)
{
	struct args a = {
		.argc = argc, .argv = argv, .ck = checks, .err = err, .len = len
	};
	int cmd;

	memset(c, 0, sizeof(*c));
	sig_map_init(&c->rewrite);
	c->kill_after = -1;
	c->grace = 3000;
	c->sources.hook_timeout = 30000;
	c->wait_timeout = 60000;
	c->probe_timeout = 5000;
	c->watch_settle = 1000;

	if ((cmd = parse_args(c, &a)) < 0 ||
	    (c->action == CLI_RUN &&
	        (parse_env(c, envp, &a) < 0 ||
	            parse_tini_env(c, envp, &a) < 0)))
		goto fail;
	if (c->action != CLI_RUN)
		return 0;
	if (c->pause) {
		/* a probe or a wait would be dropped without a word: a
		 * HEALTHCHECK under BOSUN_PAUSE=1 would pause forever */
		if (c->probe || c->wait.n) {
			snprintf(err, len, "--pause runs no command: %s",
			    c->probe ? "--probe goes alone"
			             : "--wait has nothing to wait for");
			goto fail;
		}
		if (cmd >= argc)
			return 0;
		snprintf(err, len, "--pause runs no command (given %.64s)",
		    argv[cmd]);
		goto fail;
	}
	if (c->probe && cmd < argc) {
		snprintf(err, len,
		    "--probe starts no command: give it alone (or unset "
		    "BOSUN_PROBE)");
		goto fail;
	}
	if (c->probe) {
		c->action = CLI_PROBE;
		return 0;
	}
	if (cmd >= argc) {
		snprintf(err, len, "no command given");
		goto fail;
	}
	c->argv = argv + cmd;
	if (check_watch(c, err, len) < 0)
		goto fail;
	return 0;
fail:
	/* nothing is left to free after a failure (cli_free may still be
	 * called) */
	cli_free(c);
	return -1;
}
