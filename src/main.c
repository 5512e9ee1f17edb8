// SPDX-License-Identifier: MIT
/*
 * bosun: a small init for containers. This file is the order of
 * operations and nothing else: each numbered step is one call, each step
 * lives in its own module, and only here (and in the child path, spawn.c
 * and hooks.c) is a failure turned into a message and an exit code.
 *
 * Before the command is started every failure exits 125 with a message;
 * once it runs, bosun supervises until every process is gone and exits
 * with the command's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "envlist.h"
#include "exitcodes.h"
#include "filter.h"
#include "hooks.h"
#include "log.h"
#include "privdrop.h"
#include "ready.h"
#include "reload.h"
#include "secrets.h"
#include "signals.h"
#include "sources.h"
#include "spawn.h"
#include "startup.h"
#include "supervise.h"
#include "target.h"
#include "termlog.h"
#include "userdb.h"
#include "why.h"
#include "watch.h"

extern char **environ;

/* What main builds up, step by step, and frees at the end. */
struct run {
	struct config cfg;
	struct envlist env;
	struct spawn sp;
	struct supervisor sv;
	struct privdrop priv;
	struct ident user;
	struct why why;     /* the facts of the end (why.c) */
	struct cgroup mem;  /* OOM counters, read when a SIGKILL is reaped */
	struct termlog log; /* where the termination message goes */
	int started;        /* the command ran */
	int status_fd;
	char err[512];
	/* --on-change */
	struct watch watch;
	char **saved_env;     /* restart: bosun's environment, unscrubbed */
	struct reload reload; /* restart: the sources read again */
	struct restarter restart;
};

/* 1. Block every signal at once: from now on they queue for us. Until the
 * command starts, a stop signal ends bosun (startup.c). */
static int
take_signals(struct run *r)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	if (sig_block_all(&r->sp.mask) < 0 || startup_begin() < 0) {
		log_error("cannot block signals: %s", strerror(errno));
		return -1;
	}
	/* With 0, 1 or 2 closed, a file opened later would take its number
	 * and log lines would go into it: hold them with /dev/null. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			return -1;
	if (privdrop_setuid_refused()) {
		log_error(
		    "refusing to run: bosun is installed setuid or setgid");
		return -1;
	}
	/* An inherited SIG_IGN for SIGCHLD would make the kernel reap for
	 * us and hide the command's status; the child gets it back. */
	sigaction(SIGCHLD, &dfl, &r->sp.sigchld);
	return 0;
}

/* 2. Configuration: command line, then BOSUN_* variables. */
static int
configure(struct run *r, int argc, char **argv)
{
	const struct cli_checks checks = { privdrop_parse_caps,
		filter_check_syscalls };
	const char *fmt;

	if (cli_parse(&r->cfg, argc, argv, environ, &checks, r->err,
	        sizeof(r->err)) < 0) {
		/* a usage error is one of bosun's messages too: in the
		 * format asked for, by the command line as far as it was
		 * read or by BOSUN_LOG_FORMAT */
		fmt = getenv("BOSUN_LOG_FORMAT");
		log_format = r->cfg.log_format == LOG_FORMAT_JSON ||
		        (fmt && strcmp(fmt, "json") == 0)
		    ? LOG_FORMAT_JSON
		    : LOG_FORMAT_TEXT;
		log_error("%s (see bosun --help)", r->err);
		return -1;
	}
	log_level = r->cfg.verbose;
	log_format = r->cfg.log_format;
	return 0;
}

/* --help, --version, --license: the exit code. */
static int
print_info(enum cli_action action)
{
	static char help[16384];
	const char *text = action == CLI_VERSION ? cli_version : cli_license;

	if (action == CLI_HELP) {
		if (cli_help(help, sizeof(help)) < 0)
			return EXIT_BOSUN;
		text = help;
	}
	return fputs(text, stdout) < 0 || fflush(stdout);
}

/* --probe: one check of one target, nothing else (no secret, no
 * command): 0 ready, 1 not, with one line saying why. */
static int
probe(const struct config *c)
{
	struct target t;
	struct ready rd = { &t, 1, c->probe_timeout, 1, "--probe-timeout" };
	char err[512];

	if (target_parse(c->probe, &t, err, sizeof(err)) < 0) {
		log_error("--probe: %s", err);
		return EXIT_BOSUN;
	}
	if (ready_wait(&rd, err, sizeof(err)) == 0)
		return 0;
	log_error("%s is not ready: %s", t.shown, err);
	return 1;
}

/* 3. Our place: PID 1 of a namespace, or a subreaper below one; whether
 * we hold the terminal (then hooks and the command get it in turn). */
static int
take_place(struct run *r, pid_t ppid)
{
	int sig = r->cfg.pdeathsig;

	r->sp.tty =
	    isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	r->sv.pid1 = getpid() == 1;
	if (!r->sv.pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warn("cannot become a child subreaper (%s); orphans "
		         "will not be reaped",
		    strerror(errno));
	if (!sig)
		return 0;
	if (prctl(PR_SET_PDEATHSIG, sig) < 0) {
		log_error("cannot set --pdeathsig: %s", strerror(errno));
		return -1;
	}
	/* the parent may have died before the call */
	if (getppid() != ppid)
		kill(getpid(), sig);
	return 0;
}

/* 4. The command's environment, as data: ours minus BOSUN_*. */
static int
inherit_environment(struct run *r)
{
	if (envlist_init(&r->env, environ) < 0) {
		log_error("cannot build the environment: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < r->env.ndups; i++)
		log_warn("%.64s is set more than once in the environment; "
		         "the command gets the first value only",
		    r->env.dups[i]);
	return 0;
}

/* USER[:GROUP] from /etc/passwd and /etc/group, which may be absent. */
static int
resolve_user(const char *spec, struct ident *id, char *err, size_t len)
{
	FILE *passwd = fopen("/etc/passwd", "re");
	FILE *group = fopen("/etc/group", "re");
	int r;

	r = userdb_resolve(spec, passwd, group, id, err, len);
	if (passwd)
		fclose(passwd);
	if (group)
		fclose(group);
	return r;
}

/* 5. Who the command will run as, and its seccomp filter: resolved now,
 * applied in the child just before exec. */
static int
resolve_privileges(struct run *r)
{
	const struct config *c = &r->cfg;
	struct privdrop *p = &r->priv;

	if (c->user) {
		if (resolve_user(c->user, &r->user, r->err, sizeof(r->err)) <
		    0) {
			log_error("%s", r->err);
			return -1;
		}
		p->user = &r->user;
		if (envlist_set(&r->env, "HOME", r->user.home) < 0) {
			log_error("cannot set HOME: %s", strerror(errno));
			return -1;
		}
	}
	p->caps_given = c->caps.given;
	p->caps = c->caps.set;
	p->no_new_privs = (c->user || c->caps.given) && !c->allow_new_privs;
	if (p->user || p->caps_given || p->no_new_privs)
		r->sp.priv = p;
	if (filter_build(c->seccomp_baseline, c->seccomp_deny,
	        !c->allow_new_privs, &r->sp.filter, r->err,
	        sizeof(r->err)) < 0) {
		log_error("%s", r->err);
		return -1;
	}
	return 0;
}

static int
watch_source(void *arg, const char *path)
{
	return watch_add(arg, path);
}

/* A copy of bosun's environment, to read env:VAR from on a restart: once
 * the command runs, those values are zeroed in the environment itself. */
static int
keep_environment(struct run *r)
{
	size_t n = 0, i;

	while (environ[n])
		n++;
	if (!(r->saved_env = calloc(n + 1, sizeof(char *))))
		return -1;
	for (i = 0; i < n; i++)
		if (!(r->saved_env[i] = strdup(environ[i])))
			return -1;
	return 0;
}

static void
free_environment(char **env)
{
	for (size_t i = 0; env && env[i]; i++) {
		explicit_bzero(env[i], strlen(env[i]));
		free(env[i]);
	}
	free(env);
}

/*
 * 6a. --on-change: the --watch paths, which must exist (a directory with
 * every directory below it, within the limits of watch.c); the secret
 * sources are added as they are read (step 6), each before it is read,
 * so that no change is missed.
 */
static int
watch_changes(struct run *r)
{
	const struct strlist *l = &r->cfg.watch;

	if (!r->cfg.on_change)
		return 0;
	if (watch_open(&r->watch) < 0) {
		log_error("cannot watch for changes: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < l->n; i++)
		if (watch_add_tree(&r->watch, l->v[i], r->err, sizeof(r->err)) <
		    0) {
			log_error("cannot watch %s: %s", l->v[i], r->err);
			return -1;
		}
	r->sv.watch = &r->watch;
	if (r->cfg.on_change == SUPERVISE_RESTART && keep_environment(r) < 0) {
		log_error("cannot keep the environment: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * 6. Secrets, into the command's array only, from every source in order
 * (sources.c); any failure stops us. Non-dumpable: no ptrace, no core, no
 * /proc/PID/environ for others. Returns 0, -1 on failure, or the stop
 * signal that came while a hook ran (it wins over the hooks' outcome).
 */
static int
load_secrets(struct run *r)
{
	const struct hook_ctl hooks = { r->sp.mask, r->sp.tty,
		r->cfg.sources.hook_timeout };
	struct secrets_ctx x = { .env = &r->env,
		.inherited = environ,
		.err = r->err,
		.errlen = sizeof(r->err) };
	int failed;

	if (!sources_wanted(&r->cfg.sources))
		return 0;
	if (r->sv.watch) {
		x.watch = watch_source;
		x.watch_arg = r->sv.watch;
	}
	prctl(PR_SET_DUMPABLE, 0);
	failed = sources_load(&x, &r->cfg.sources, &hooks) < 0;
	if (startup_stopped())
		return startup_stopped();
	if (failed) {
		log_error("%s", r->err);
		return -1;
	}
	/* the values env:VAR took are in the command's array now: zero them
	 * in bosun's own environment (and /proc/PID/environ) before the
	 * command can look */
	sources_scrub(&r->cfg.sources, environ);
	return 0;
}

/* What a signal that came before the start (during a hook, a read, the
 * wait: as long as --hook-timeout or --wait-timeout) would do at the
 * command's birth is worse than losing it: drop it. Kept: SIGCHLD and the
 * watch's signal (the supervisor's), and a stop signal bosun ignores
 * (nohup: it reaches the command, which ignores it too). */
static void
drop_early_signals(const struct run *r)
{
	static const int keep[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP };
	ksigset k = 0;

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		k |= (ksigset)1 << (keep[i] - 1);
	if (r->sv.watch)
		k |= (ksigset)1 << (WATCH_SIGNAL - 1);
	startup_drop_pending(k);
}

/* 7. Wait until every --wait target is ready (ready.c); the command
 * starts only then. A stop signal still ends bosun at once (startup.c);
 * any other that came meanwhile is dropped at the start. */
static int
wait_for_targets(struct run *r)
{
	const struct config *c = &r->cfg;
	struct target *t;
	struct ready rd = { NULL, c->wait.n, c->wait_timeout, 0,
		"--wait-timeout" };
	size_t i;
	int failed = 0;

	if (c->wait.n == 0)
		return 0;
	if (!(t = calloc(c->wait.n, sizeof(*t)))) {
		log_error("cannot wait: %s", strerror(errno));
		return -1;
	}
	/* cli_parse checked each one already */
	for (i = 0; i < c->wait.n && !failed; i++)
		failed = target_parse(
		             c->wait.v[i], &t[i], r->err, sizeof(r->err)) < 0;
	rd.targets = t;
	if (failed) {
		log_error("--wait: %s", r->err);
	} else if (ready_wait(&rd, r->err, sizeof(r->err)) < 0) {
		log_error("not ready after %lld ms (--wait-timeout): %s",
		    c->wait_timeout, r->err);
		failed = 1;
	}
	free(t);
	return failed ? -1 : 0;
}

/*
 * 8. Start the command, giving it the terminal if we have it; a signal
 * that came before is dropped. Returns 0, -1 when it could not be
 * started, or the exit code of the child's own failure (drop, filter,
 * exec): it printed why; that code is bosun's, never remapped, and
 * nothing is supervised.
 */
static int
start_command(struct run *r)
{
	const char *cmd = r->cfg.argv[0];
	int failed;

	drop_early_signals(r);
	if (startup_end() < 0) {
		log_error("cannot block signals: %s", strerror(errno));
		return -1;
	}
	/* the OOM counters as they are before the command runs */
	if (cgroup_open(&r->mem, "/sys/fs/cgroup") == 0)
		r->sv.mem = &r->mem;
	r->sp.argv = r->cfg.argv;
	r->sp.envp = envlist_envp(&r->env);
	r->sv.child = spawn_command(&r->sp, &r->status_fd);
	if (r->sv.child < 0) {
		log_error("cannot start %s: %s", cmd, strerror(errno));
		return -1;
	}
	spawn_outcome(r->sv.child, &r->status_fd, 1, &failed);
	if (failed) {
		waitpid(r->sv.child, NULL, 0);
		if (r->sp.tty)
			tcsetpgrp(STDIN_FILENO, getpgrp());
		return failed;
	}
	if (r->status_fd < 0)
		log_info_with(
		    &((struct log_fields){ .pid = r->sv.child, .name = cmd }),
		    "started %s as pid %d%s", cmd, (int)r->sv.child,
		    r->sv.pid1 ? " (bosun is PID 1)" : "");
	else
		log_info("%s (pid %d) was stopped before exec", cmd,
		    (int)r->sv.child);
	r->started = 1;
	/* bosun's copies of the values are wiped now; a restart needs
	 * the filter again */
	envlist_free(&r->env);
	if (r->cfg.on_change == SUPERVISE_RESTART)
		return 0;
	filter_free(r->sp.filter);
	r->sp.filter = NULL;
	return 0;
}

/* --on-change restart, in the reader (reload.c) while the command runs:
 * every source again, hooks too, into a new environment, as steps 4 and 6
 * built the first; 0, or -1 once it logged why (the command is kept). */
static int
read_environment(void *arg, struct envlist *env)
{
	struct run *r = arg;
	/* the command holds the terminal: a hook gets /dev/null */
	const struct hook_ctl hooks = { r->sp.mask, 0,
		r->cfg.sources.hook_timeout };
	struct secrets_ctx x = { .env = env,
		.inherited = r->saved_env,
		.err = r->err,
		.errlen = sizeof(r->err) };

	if (envlist_init(env, r->saved_env) < 0) {
		snprintf(r->err, sizeof(r->err),
		    "cannot build the environment: %s", strerror(errno));
	} else if (r->cfg.user && envlist_set(env, "HOME", r->user.home) < 0) {
		snprintf(r->err, sizeof(r->err), "cannot set HOME: %s",
		    strerror(errno));
	} else if (sources_load(&x, &r->cfg.sources, &hooks) == 0) {
		return 0;
	}
	log_error("%s; keeping the running command", r->err);
	envlist_free(env);
	return -1;
}

static pid_t
start_reading(void *arg)
{
	struct run *r = arg;

	return reload_start(&r->reload, read_environment, r);
}

static int
finish_reading(void *arg, int wstatus, int wanted)
{
	struct run *r = arg;

	return reload_finish(&r->reload, wstatus, wanted);
}

/* --on-change restart: the command again, as step 8 started it, with the
 * environment the reader read. */
static pid_t
restart_command(void *arg, int *code)
{
	struct run *r = arg;
	const char *cmd = r->cfg.argv[0];
	pid_t pid;

	r->sp.envp = r->reload.envp;
	if (r->status_fd >= 0)
		close(r->status_fd);
	pid = spawn_command(&r->sp, &r->status_fd);
	if (pid < 0) {
		log_error("cannot start %s again: %s", cmd, strerror(errno));
		*code = EXIT_BOSUN;
		reload_clear(&r->reload);
		return -1;
	}
	spawn_outcome(pid, &r->status_fd, 1, code);
	reload_clear(&r->reload);
	if (*code) {
		waitpid(pid, NULL, 0);
		if (r->sp.tty)
			tcsetpgrp(STDIN_FILENO, getpgrp());
		return -1;
	}
	log_info("started %s again as pid %d", cmd, (int)pid);
	r->sv.child = pid;
	return pid;
}

/* 10. Supervise until everything is gone; the exit code. */
static int
supervise_command(struct run *r)
{
	const struct config *c = &r->cfg;
	int status, failed;

	r->sv.tty = r->sp.tty;
	r->sv.process_group = c->process_group;
	r->sv.warn_reap = c->warn_reap;
	r->sv.rewrite = &c->rewrite;
	r->sv.kill_after = c->kill_after;
	r->sv.grace = c->grace;
	r->sv.stop_delay = c->stop_delay;
	r->sv.remap = &c->remap;
	r->sv.why = &r->why;
	r->why.kill_after = c->kill_after;
	r->why.grace = c->grace;
	r->sv.on_change = c->on_change;
	r->sv.settle = c->watch_settle;
	r->restart = (struct restarter){ start_reading, finish_reading,
		restart_command, r };
	r->sv.restart = &r->restart;
	status = supervise(&r->sv);
	/* stopped before exec: whether it failed is known now */
	spawn_outcome(r->sv.child, &r->status_fd, 0, &failed);
	if (failed) {
		log_info("%s failed before exec: exiting with %d", c->argv[0],
		    failed);
		status = failed;
	}
	return status;
}

/* Why the command never ran, when its own child path said it (the
 * message was printed in the child). */
static const char *
child_failure(const struct run *r, int status, char *buf, size_t len)
{
	const char *cmd = r->cfg.argv ? r->cfg.argv[0] : "the command";

	if (status == EXIT_NOT_FOUND)
		snprintf(buf, len, "%s not found (exit 127)", cmd);
	else if (status == EXIT_CANNOT_EXEC)
		snprintf(buf, len, "cannot execute %s (exit 126)", cmd);
	else
		snprintf(buf, len,
		    "cannot apply %s's privileges or seccomp filter (exit %d)",
		    cmd, status);
	return buf;
}

/* 11. The termination message: why it ended, unless the command said. */
static void
write_termination_message(const struct run *r, int status, int stop)
{
	char line[WHY_MAX + 1], msg[256], name[24];
	struct why w = r->why;
	int left;

	if (!r->log.path)
		return;
	if (!r->started) {
		if (stop > 0) {
			snprintf(msg, sizeof(msg),
			    "%s before the command started",
			    sig_name(stop, name, sizeof(name)));
			w.not_started = msg;
		} else if (*log_last_error()) {
			/* main's own failure: its message, as printed */
			w.not_started = log_last_error();
		} else if (r->sv.child > 0) {
			/* the child's: it printed the message itself */
			w.not_started =
			    child_failure(r, status, msg, sizeof(msg));
		} else {
			w.not_started = "bosun failed before the command ran";
		}
	}
	if (why_message(&w, line, sizeof(line)) < 0)
		return;
	if (termlog_write(&r->log, line, &left) < 0)
		log_warn_with(&((struct log_fields){ .path = r->log.path }),
		    "cannot write the termination message to %s: %s",
		    r->log.path, strerror(errno));
	else if (left)
		log_debug("%s was written by the command: left as it is",
		    r->log.path);
}

int
main(int argc, char **argv)
{
	static struct run r; /* zeroed, and not on the stack: it is large */
	pid_t ppid = getppid();
	int status = EXIT_BOSUN, stop = 0;

	r.status_fd = -1;
	r.why.stop_ms = r.why.mem_max = r.why.mem_peak = -1;
	r.mem.dir = -1;
	r.watch.fd = -1;
	r.reload.fd = -1;
	/* the steps, numbered as their functions above */
	if (take_signals(&r) < 0)
		goto end;
	if (configure(&r, argc, argv) < 0) {
		/* a bad configuration is said there too: the default's */
		termlog_init(&r.log, NULL);
		goto end;
	}
	if (r.cfg.action == CLI_PROBE) {
		status = probe(&r.cfg);
		goto end;
	}
	if (r.cfg.action != CLI_RUN) {
		status = print_info(r.cfg.action);
		goto end;
	}
	if (take_place(&r, ppid) < 0)
		goto end;
	/* --pause (Podman's pod infra): no command, only reaping */
	if (r.cfg.pause) {
		status = startup_end() < 0 ? EXIT_BOSUN
		                           : supervise_pause(r.cfg.warn_reap);
		goto end;
	}
	termlog_init(&r.log, r.cfg.termination_log);
	startup_termlog(termlog_open(&r.log));
	if (inherit_environment(&r) < 0 || resolve_privileges(&r) < 0)
		goto end;
	if (watch_changes(&r) < 0)
		goto end;
	if ((stop = load_secrets(&r)) != 0) {
		status = stop < 0 ? EXIT_BOSUN : 128 + stop;
		if (stop > 0)
			log_error("%s before the command started; exiting",
			    sig_name(stop, r.err, sizeof(r.err)));
		goto end;
	}
	if (wait_for_targets(&r) < 0)
		goto end;
	if ((status = start_command(&r)) != 0) {
		status = status < 0 ? EXIT_BOSUN : status;
		goto end;
	}
	/* 9. Do not pin the working directory's file system (a restart
	 * starts the command there again, and reads relative paths) */
	if (r.cfg.on_change != SUPERVISE_RESTART && chdir("/") < 0)
		log_warn("cannot change directory to /: %s", strerror(errno));
	status = supervise_command(&r);
end:
	if (r.cfg.action == CLI_RUN && !r.cfg.pause)
		write_termination_message(&r, status, stop);
	watch_close(&r.watch);
	reload_clear(&r.reload);
	free_environment(r.saved_env);
	filter_free(r.sp.filter);
	envlist_free(&r.env);
	cli_free(&r.cfg);
	return status;
}
