// SPDX-License-Identifier: MIT
/*
 * cli: the command line and the BOSUN_* environment, turned into a struct
 * config. Pure: reads only its arguments, prints nothing, never exits.
 *
 * Every option has an environment twin. When both are given the command
 * line replaces the environment value entirely (lists are not merged).
 * An unknown BOSUN_* variable is an error, so that a misspelt setting is
 * never silently ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "filter.h"
#include "privdrop.h"

#define VERSION "0.1.0"

#define NAME_CHAR(ch)                                                          \
	((ch) == '_' || ((ch) >= 'A' && (ch) <= 'Z') ||                        \
	    ((ch) >= 'a' && (ch) <= 'z') || ((ch) >= '0' && (ch) <= '9'))

enum kind { FLAG, COUNT, VALUE, LIST };

struct option {
	char short_name;
	const char *long_name;
	const char *env;
	enum kind kind;
	int (*set)(struct config *c, const char *val, char *err, size_t len);
};

static int
set_process_group(struct config *c, const char *v, char *err, size_t len)
{
	(void)v, (void)err, (void)len;
	c->process_group = 1;
	return 0;
}

static int
set_verbose(struct config *c, const char *v, char *err, size_t len)
{
	(void)err, (void)len;
	if (v == NULL)
		c->verbose++;
	else
		c->verbose = atoi(v);
	return 0;
}

static int
set_rewrite(struct config *c, const char *v, char *err, size_t len)
{
	return sig_map_add(&c->rewrite, v, err, len);
}

static int
set_duration(long long *dst, const char *v, char *err, size_t len)
{
	if (cli_duration(v, dst) == 0)
		return 0;
	snprintf(err, len,
	    "bad duration '%s' (use e.g. 250ms, 10s, 2m; "
	    "at most 24h)",
	    v);
	return -1;
}

static int
set_kill_after(struct config *c, const char *v, char *err, size_t len)
{
	return set_duration(&c->kill_after, v, err, len);
}

static int
set_grace(struct config *c, const char *v, char *err, size_t len)
{
	return set_duration(&c->grace, v, err, len);
}

static int
set_stop_delay(struct config *c, const char *v, char *err, size_t len)
{
	return set_duration(&c->stop_delay, v, err, len);
}

static int
set_remap_exit(struct config *c, const char *v, char *err, size_t len)
{
	int code = 0;
	const char *p = v;

	do {
		if (*p < '0' || *p > '9' ||
		    (code = code * 10 + *p - '0') > 255) {
			snprintf(err, len, "bad exit code '%s' (0 to 255)", v);
			return -1;
		}
	} while (*++p);
	c->remap[code / 8] |= 1u << (code % 8);
	return 0;
}

static int
set_pdeathsig(struct config *c, const char *v, char *err, size_t len)
{
	int sig = sig_parse(v);

	if (sig <= 0 || !sig_catchable(sig) || sig == SIGCHLD) {
		snprintf(err, len, "bad signal '%s'", v);
		return -1;
	}
	c->pdeathsig = sig;
	return 0;
}

/* clang-format off */
static int
add(struct strlist *l, const char *v, char *err, size_t len)
{
	char **nv, *copy;

	if (!(copy = strdup(v)) ||
	    !(nv = realloc(l->v, (l->n + 1) * sizeof(*nv)))) {
		free(copy);
		snprintf(err, len, "out of memory");
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = copy;
	return 0;
}

static int
set_secret(struct config *c, const char *v, char *err, size_t len)
{
	const char *eq = strchr(v, '=');

	if (!eq || eq == v || eq[1] == '\0') {
		snprintf(err, len, "bad secret '%s': expected NAME=SOURCE", v);
		return -1;
	}
	return add(&c->secrets, v, err, len);
}

static int
set_secrets_dir(struct config *c, const char *v, char *err, size_t len)
{
	return add(&c->secrets_dirs, v, err, len);
}

/* A name, or a shell pattern of names: name characters, '*', '?' and
 * bracket expressions only, so that no path or option is taken for one. */
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
set_file_env(struct config *c, const char *v, char *err, size_t len)
{
	const char *p, *q;
	char item[256];
	size_t n;
	int r;

	for (p = v;; p = q + 1) {
		q = strchrnul(p, ',');
		n = q - p;
		if ((r = file_env_item(p, n)) == -2) {
			snprintf(err, len,
			    "takes the names of the variables to read from "
			    "NAME_FILE or FILE__NAME now (e.g. "
			    "POSTGRES_PASSWORD,POSTGRES_USER or '*'), not "
			    "'%.*s'",
			    (int)n, p);
			return -1;
		}
		if (r < 0 || n >= sizeof(item)) {
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
		memcpy(item, p, n);
		item[n] = '\0';
		if (add(&c->file_env, item, err, len) < 0)
			return -1;
		if (*q == '\0')
			return 0;
	}
}

static int
set_env_file(struct config *c, const char *v, char *err, size_t len)
{
	return add(&c->env_files, v, err, len);
}

static int
set_hook(struct config *c, const char *v, char *err, size_t len)
{
	return add(&c->hooks, v, err, len);
}

static int
set_hooks_dir(struct config *c, const char *v, char *err, size_t len)
{
	free(c->hooks_dir);
	if ((c->hooks_dir = strdup(v)))
		return 0;
	snprintf(err, len, "out of memory");
	return -1;
}

static int
set_hook_timeout(struct config *c, const char *v, char *err, size_t len)
{
	if (set_duration(&c->hook_timeout, v, err, len) < 0)
		return -1;
	if (c->hook_timeout > 0)
		return 0;
	snprintf(err, len, "a hook needs more than 0 ms");
	return -1;
}

static int
set_user(struct config *c, const char *v, char *err, size_t len)
{
	free(c->user);
	if ((c->user = strdup(v)))
		return 0;
	snprintf(err, len, "out of memory");
	return -1;
}

static int
set_caps(struct config *c, const char *v, char *err, size_t len)
{
	c->caps_given = 1;
	return privdrop_parse_caps(v, &c->caps, err, len);
}

static int
set_allow_new_privs(struct config *c, const char *v, char *err, size_t len)
{
	c->allow_new_privs = 1;
	return 0;
}

static int
set_seccomp(struct config *c, const char *v, char *err, size_t len)
{
	if (strcmp(v, "baseline") == 0 || strcmp(v, "off") == 0) {
		c->seccomp_baseline = v[0] == 'b';
		return 0;
	}
	snprintf(err, len, "unknown profile '%s' (baseline or off)", v);
	return -1;
}

static int
set_seccomp_deny(struct config *c, const char *v, char *err, size_t len)
{
	size_t old = c->seccomp_deny ? strlen(c->seccomp_deny) : 0;
	char *s;

	if (strspn(v, ",") == strlen(v)) {
		snprintf(err, len, "empty list of system calls");
		return -1;
	}
	if (filter_check_syscalls(v, err, len) < 0)
		return -1;
	if (!(s = realloc(c->seccomp_deny, old + strlen(v) + 2))) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	if (old)
		s[old++] = ',';
	strcpy(s + old, v);
	c->seccomp_deny = s;
	return 0;
}

static const struct option options[] = {
	{ 'g', "process-group", "BOSUN_PROCESS_GROUP", FLAG, set_process_group },
	{ 'r', "rewrite", "BOSUN_REWRITE", LIST, set_rewrite },
	{ 'k', "kill-after", "BOSUN_KILL_AFTER", VALUE, set_kill_after },
	{ 0, "grace", "BOSUN_GRACE", VALUE, set_grace },
	{ 0, "stop-delay", "BOSUN_STOP_DELAY", VALUE, set_stop_delay },
	{ 'e', "remap-exit", "BOSUN_REMAP_EXIT", LIST, set_remap_exit },
	{ 'p', "pdeathsig", "BOSUN_PDEATHSIG", VALUE, set_pdeathsig },
	{ 'v', "verbose", "BOSUN_VERBOSE", COUNT, set_verbose },
	{ 's', "secret", "BOSUN_SECRETS", LIST, set_secret },
	{ 0, "secrets-dir", "BOSUN_SECRETS_DIR", LIST, set_secrets_dir },
	{ 0, "file-env", "BOSUN_FILE_ENV", LIST, set_file_env },
	{ 0, "env-file", "BOSUN_ENV_FILE", LIST, set_env_file },
	{ 0, "hook", "BOSUN_HOOK", LIST, set_hook },
	{ 0, "hooks-dir", "BOSUN_HOOKS_DIR", VALUE, set_hooks_dir },
	{ 0, "hook-timeout", "BOSUN_HOOK_TIMEOUT", VALUE, set_hook_timeout },
	{ 'u', "user", "BOSUN_USER", VALUE, set_user },
	{ 0, "caps", "BOSUN_CAPS", VALUE, set_caps },
	{ 0, "allow-new-privs", "BOSUN_ALLOW_NEW_PRIVS", FLAG, set_allow_new_privs },
	{ 0, "seccomp", "BOSUN_SECCOMP", VALUE, set_seccomp },
	{ 0, "seccomp-deny", "BOSUN_SECCOMP_DENY", VALUE, set_seccomp_deny },
};

/* clang-format on */

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* clang-format off */
const char cli_help[] =
"Usage: bosun [OPTIONS] [--] COMMAND [ARG...]\n"
"\n"
"Runs COMMAND as a supervised child: reaps zombies, forwards signals, hands\n"
"over the terminal, and gives what is left a graceful stop at the end.\n"
"\n"
"  -g, --process-group    signal the command's process group, not only it\n"
"  -r, --rewrite FROM:TO  deliver TO instead of FROM (TO=0 drops); repeatable\n"
"  -k, --kill-after DUR   SIGKILL everything DUR after a stop signal\n"
"                         (TERM, INT, QUIT) was forwarded (default: never)\n"
"      --grace DUR        after the command exited, time between SIGTERM\n"
"                         and SIGKILL for what is left (default 3s)\n"
"      --stop-delay DUR   hold the first stop signal this long (default 0)\n"
"  -e, --remap-exit CODE  exit 0 when the command exits CODE; repeatable\n"
"  -p, --pdeathsig SIG    signal to take and forward when bosun's parent dies\n"
"  -v, --verbose          more diagnostics on stderr; repeatable\n"
"\n"
"The command's environment (later sources win; a missing one is an error):\n"
"      --env-file PATH    NAME=VALUE lines, Docker's syntax; repeatable\n"
"      --secrets-dir DIR  each file in DIR is a variable named after it\n"
"                         (/run/secrets, Kubernetes secret volumes)\n"
"      --file-env NAME,...  NAME from the file at NAME_FILE or FILE__NAME\n"
"                         in bosun's own environment; NAME may be a shell\n"
"                         pattern (POSTGRES_*, * for all); repeatable\n"
"  -s, --secret NAME=SRC  NAME from file SRC, or from env:VAR; repeatable\n"
"      --hooks-dir DIR    run each executable in DIR, in lexical order\n"
"      --hook PATH        run PATH; its NAME=VALUE output is merged in\n"
"      --hook-timeout DUR kill a hook that runs longer (default 30s)\n"
"\n"
"The command's privileges (set in the child, just before exec):\n"
"  -u, --user USER[:GRP]  names or ids; groups from /etc/group, HOME set\n"
"      --caps CAP,...     capabilities kept (net_bind_service, ...); with\n"
"                         --user they are ambient, all others are dropped\n"
"      --allow-new-privs  do not set NO_NEW_PRIVS (set with --user, --caps)\n"
"      --seccomp PROFILE  baseline or off (default)\n"
"      --seccomp-deny SYSCALL,...  also deny these system calls (EPERM)\n"
"\n"
"  -h, --help             print this help and exit\n"
"  -V, --version          print the version and exit\n"
"\n"
"Each option is also read from BOSUN_<NAME>, e.g. BOSUN_KILL_AFTER=10s,\n"
"BOSUN_PROCESS_GROUP=1, BOSUN_REWRITE=TERM:QUIT,HUP:0, BOSUN_VERBOSE=2,\n"
"BOSUN_SECRETS=A=/run/secrets/a,B=env:X (lists comma-separated); the\n"
"command line wins. DUR: 250ms, 10s, 2m, 1h or seconds. SIG: TERM,\n"
"SIGTERM, rtmin+3 or a number.\n"
"\n"
"Exit status: the command's, or 128+N if signal N killed it; 125 bosun\n"
"failed before the command ran (usage, secret, user, privileges, seccomp),\n"
"126 cannot execute, 127 not found.\n";
/* clang-format on */

const char cli_version[] = "bosun " VERSION "\n";

/* Milliseconds from "250ms", "10s", "2m", "1h" or a bare "5" (seconds). */
int
cli_duration(const char *s, long long *ms)
{
	long long n = 0, unit = 1000;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((n = n * 10 + (*p - '0')) > CLI_DURATION_MAX)
			return -1;
	if (strcmp(p, "ms") == 0)
		unit = 1;
	else if (strcmp(p, "m") == 0)
		unit = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		unit = 3600 * 1000;
	else if (*p != '\0' && strcmp(p, "s") != 0)
		return -1;
	if (n > CLI_DURATION_MAX / unit)
		return -1;
	*ms = n * unit;
	return 0;
}

int
cli_remapped(const struct config *c, int code)
{
	return code >= 0 && code <= 255 &&
	    (c->remap[code / 8] >> (code % 8) & 1);
}

static void
strlist_free(struct strlist *l)
{
	while (l->n)
		free(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
}

void
cli_free(struct config *c)
{
	strlist_free(&c->secrets);
	strlist_free(&c->secrets_dirs);
	strlist_free(&c->file_env);
	strlist_free(&c->env_files);
	strlist_free(&c->hooks);
	free(c->hooks_dir);
	free(c->user);
	free(c->seccomp_deny);
	c->hooks_dir = c->user = c->seccomp_deny = NULL;
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

/* Applies an environment twin's value; lists are comma-separated. */
static int
apply_env(struct config *c, const struct option *o, const char *v, char *err,
    size_t len)
{
	char item[4096], sub[200];
	const char *p, *q;
	size_t n;
	int b;

	switch (o->kind) {
	case FLAG:
		if ((b = parse_bool(v)) < 0)
			goto bad;
		return b ? o->set(c, NULL, err, len) : 0;
	case COUNT:
		if (v[0] < '0' || v[0] > '9' || v[1] != '\0')
			goto bad;
		return o->set(c, v, err, len);
	case VALUE:
		if (*v == '\0')
			return 0;
		if (o->set(c, v, sub, sizeof(sub)) < 0)
			goto sub;
		return 0;
	case LIST:
		for (p = v; *p; p = *q ? q + 1 : q) {
			q = strchr(p, ',');
			if (!q)
				q = p + strlen(p);
			if ((n = q - p) == 0)
				continue;
			if (n >= sizeof(item)) {
				snprintf(sub, sizeof(sub), "item too long");
				goto sub;
			}
			memcpy(item, p, n);
			item[n] = '\0';
			if (o->set(c, item, sub, sizeof(sub)) < 0)
				goto sub;
		}
		return 0;
	}
bad:
	snprintf(err, len, "bad value '%s' for %s", v, o->env);
	return -1;
sub:
	snprintf(err, len, "%s: %s", o->env, sub);
	return -1;
}

static const struct option *
find_long(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (strncmp(options[i].long_name, name, n) == 0 &&
		    options[i].long_name[n] == '\0')
			return &options[i];
	return NULL;
}

static const struct option *
find_short(char ch)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (options[i].short_name == ch)
			return &options[i];
	return NULL;
}

static int
apply_arg(struct config *c, const struct option *o, const char *v,
    const char *spelt, char *err, size_t len)
{
	char sub[200];

	if (o->set(c, v, sub, sizeof(sub)) == 0)
		return 0;
	snprintf(err, len, "%s: %s", spelt, sub);
	return -1;
}

/* Parses argv[1..] until the command; returns the command's index. */
static int
parse_args(struct config *c, int argc, char **argv, unsigned *given, char *err,
    size_t len)
{
	const struct option *o;
	char spelt[3] = "-?";
	const char *a, *eq, *v;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-' || a[1] == '\0')
			return i;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			c->action = CLI_HELP;
			return argc;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			c->action = CLI_VERSION;
			return argc;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			o = find_long(
			    a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (!o) {
				snprintf(err, len, "unknown option '%s'", a);
				return -1;
			}
			if (o->kind == FLAG || o->kind == COUNT) {
				if (eq) {
					snprintf(err, len,
					    "option '--%s' takes "
					    "no value",
					    o->long_name);
					return -1;
				}
				v = NULL;
			} else if (eq) {
				v = eq + 1;
			} else if (i + 1 < argc) {
				v = argv[++i];
			} else {
				snprintf(err, len,
				    "option '--%s' needs a value",
				    o->long_name);
				return -1;
			}
			if (apply_arg(c, o, v, a, err, len) < 0)
				return -1;
			*given |= 1u << (o - options);
			continue;
		}
		/* a bundle of short options: -gv, -k5s, -k 5s */
		for (a++; *a; a++) {
			spelt[1] = *a;
			if (!(o = find_short(*a))) {
				snprintf(
				    err, len, "unknown option '%s'", spelt);
				return -1;
			}
			*given |= 1u << (o - options);
			if (o->kind == FLAG || o->kind == COUNT) {
				if (apply_arg(c, o, NULL, spelt, err, len) < 0)
					return -1;
				continue;
			}
			if (a[1] != '\0') {
				v = a + 1;
			} else if (i + 1 < argc) {
				v = argv[++i];
			} else {
				snprintf(err, len, "option '%s' needs a value",
				    spelt);
				return -1;
			}
			if (apply_arg(c, o, v, spelt, err, len) < 0)
				return -1;
			break;
		}
	}
	return i;
}

int
cli_parse(struct config *c, int argc, char **argv, char *const *envp, char *err,
    size_t len)
{
	const char *env[NOPTIONS] = { 0 }, *eq;
	char *const *e;
	unsigned given = 0;
	size_t i;
	int cmd;

	memset(c, 0, sizeof(*c));
	sig_map_init(&c->rewrite);
	c->kill_after = -1;
	c->grace = 3000;
	c->hook_timeout = 30000;

	cmd = parse_args(c, argc, argv, &given, err, len);
	if (cmd < 0)
		return -1;
	if (c->action != CLI_RUN)
		return 0;

	/* one pass over the environment: each BOSUN_* variable must be an
	 * option's twin; the first of two with one name counts, as getenv */
	for (e = envp; e && *e; e++) {
		if ((*e)[0] != 'B' || strncmp(*e, "BOSUN_", 6) != 0)
			continue;
		eq = strchr(*e, '=');
		for (i = 0; i < NOPTIONS; i++)
			if (eq && strncmp(*e, options[i].env, eq - *e) == 0 &&
			    options[i].env[eq - *e] == '\0')
				break;
		if (i == NOPTIONS) {
			snprintf(err, len, "unknown variable %.*s",
			    eq ? (int)(eq - *e) : 64, *e);
			return -1;
		}
		if (!env[i])
			env[i] = eq + 1;
	}
	for (i = 0; i < NOPTIONS; i++) {
		if ((given & (1u << i)) || !env[i] || *env[i] == '\0')
			continue;
		if (apply_env(c, &options[i], env[i], err, len) < 0)
			return -1;
	}

	if (cmd >= argc) {
		snprintf(err, len, "no command given");
		return -1;
	}
	c->argv = argv + cmd;
	return 0;
}
