// SPDX-License-Identifier: MIT
/*
 * bosun: a small init for containers. This file is the order of
 * operations and nothing else; each step lives in its own module.
 *
 * Before the command is started every failure exits 125 with a message;
 * once it runs, bosun supervises until every process is gone and exits
 * with the command's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "envlist.h"
#include "exitcodes.h"
#include "filter.h"
#include "hooks.h"
#include "log.h"
#include "privdrop.h"
#include "secrets.h"
#include "signals.h"
#include "exitcodes.h"
#include "spawn.h"
#include "startup.h"
#include "supervise.h"
#include "userdb.h"

extern char **environ;

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

int
main(int argc, char **argv)
{
	struct config cfg = { 0 };
	struct envlist env = { 0 };
	struct spawn sp = { 0 };
	struct supervisor sv = { 0 };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct privdrop priv = { 0 };
	struct ident user;
	char err[512];
	pid_t ppid = getppid();
	int status, status_fd = -1, failed, r;

	/* 1. Block every signal at once: from now on they queue for us.
	 * Until the command starts, a stop signal ends bosun (startup.c). */
	if (sig_block_all(&sp.mask) < 0 || startup_begin() < 0) {
		log_error("cannot block signals: %s", strerror(errno));
		goto fail;
	}
	/* With 0, 1 or 2 closed, a file opened later would take its number
	 * and log lines would go into it: hold them with /dev/null. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			goto fail;
	if (privdrop_setuid_refused()) {
		log_error(
		    "refusing to run: bosun is installed setuid or setgid");
		goto fail;
	}
	/* An inherited SIG_IGN for SIGCHLD would make the kernel reap for
	 * us and hide the command's status; the child gets it back. */
	sigaction(SIGCHLD, &dfl, &sp.sigchld);

	/* 2. Configuration: command line, then BOSUN_* variables. */
	if (cli_parse(&cfg, argc, argv, environ, err, sizeof(err)) < 0) {
		log_error("%s (see bosun --help)", err);
		goto fail;
	}
	if (cfg.action != CLI_RUN) {
		status = fputs(cfg.action == CLI_HELP ? cli_help : cli_version,
		             stdout) < 0 ||
		    fflush(stdout);
		goto out;
	}
	log_level = cfg.verbose;

	/* 3. Our place: PID 1 of a namespace, or a subreaper below one. */
	sv.pid1 = getpid() == 1;
	if (!sv.pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warn("cannot become a child subreaper (%s); orphans "
		         "will not be reaped",
		    strerror(errno));
	if (cfg.pdeathsig) {
		if (prctl(PR_SET_PDEATHSIG, cfg.pdeathsig) < 0) {
			log_error(
			    "cannot set --pdeathsig: %s", strerror(errno));
			goto fail;
		}
		/* the parent may have died before the call */
		if (getppid() != ppid)
			kill(getpid(), cfg.pdeathsig);
	}

	/* 4. The command's environment, as data: ours minus BOSUN_*. */
	if (envlist_init(&env, environ) < 0) {
		log_error("cannot build the environment: %s", strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < env.ndups; i++)
		log_warn("%.64s is set more than once in the environment; "
		         "the command gets the first value only",
		    env.dups[i]);

	/* 5. Who the command will run as, and its seccomp filter: resolved
	 * now, applied in the child just before exec. */
	if (cfg.user) {
		if (resolve_user(cfg.user, &user, err, sizeof(err)) < 0) {
			log_error("%s", err);
			goto fail;
		}
		priv.user = &user;
		if (envlist_set(&env, "HOME", user.home) < 0) {
			log_error("cannot set HOME: %s", strerror(errno));
			goto fail;
		}
	}
	priv.caps_given = cfg.caps_given;
	priv.caps = cfg.caps;
	priv.no_new_privs =
	    (cfg.user || cfg.caps_given) && !cfg.allow_new_privs;
	if (priv.user || priv.caps_given || priv.no_new_privs)
		sp.priv = &priv;
	sp.filter = filter_build(&cfg, err, sizeof(err));
	if (!sp.filter && err[0]) {
		log_error("%s", err);
		goto fail;
	}

	/* 6. Secrets, into that array only: env-files, secret files and
	 * directories, VAR_FILE, env:VAR, then hooks; any failure stops us.
	 * Non-dumpable: no ptrace, no core, no /proc/PID/environ for others.
	 * Reading the files has the hook timeout as its deadline. */
	sp.tty = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	if (secrets_wanted(&cfg)) {
		struct secrets_ctx x = { &env, environ, err, sizeof(err) };
		struct hook_ctl hooks = { sp.mask, sp.tty };

		prctl(PR_SET_DUMPABLE, 0);
		startup_deadline(cfg.hook_timeout);
		if (secrets_load(&x, &cfg) < 0) {
			log_error("%s", err);
			goto fail;
		}
		startup_deadline(0);
		/* a stop signal while hooks ran wins over their outcome */
		r = hooks_run(&x, &cfg, &hooks);
		if (startup_stopped())
			goto stopped;
		if (r < 0) {
			log_error("%s", err);
			goto fail;
		}
		/* the values env:VAR took are in the command's array now:
		 * zero them in bosun's own environment (and /proc/PID/environ)
		 * before the command can look */
		secrets_scrub(&cfg, environ);
	}

	/* 7. Start the command, giving it the terminal if we have it. */
	if (startup_end() < 0) {
		log_error("cannot block signals: %s", strerror(errno));
		goto fail;
	}
	sp.argv = cfg.argv;
	sp.envp = env.v;
	sv.child = spawn_command(&sp, &status_fd);
	if (sv.child < 0) {
		log_error("cannot start %s: %s", cfg.argv[0], strerror(errno));
		goto fail;
	}
	/* The child's own failure (drop, filter, exec) is ours: it printed
	 * why; exit with its code, never remapped, without supervising. */
	spawn_outcome(sv.child, &status_fd, 1, &failed);
	if (failed) {
		waitpid(sv.child, NULL, 0);
		if (sp.tty)
			tcsetpgrp(STDIN_FILENO, getpgrp());
		status = failed;
		goto end;
	}
	if (status_fd < 0)
		log_info("started %s as pid %d%s", cfg.argv[0], (int)sv.child,
		    sv.pid1 ? " (bosun is PID 1)" : "");
	else
		log_info("%s (pid %d) was stopped before exec", cfg.argv[0],
		    (int)sv.child);
	/* bosun's copies of the values are wiped now */
	envlist_free(&env);
	filter_free(sp.filter);

	/* 8. Do not pin the working directory's file system. */
	if (chdir("/") < 0)
		log_warn("cannot change directory to /: %s", strerror(errno));

	/* 9. Supervise until everything is gone. */
	sv.cfg = &cfg;
	sv.tty = sp.tty;
	status = supervise(&sv);
	/* stopped before exec: whether it failed is known now */
	spawn_outcome(sv.child, &status_fd, 0, &failed);
	if (failed) {
		log_info("%s failed before exec: exiting with %d", cfg.argv[0],
		    failed);
		status = failed;
	}
out:
	cli_free(&cfg);
	return status;
fail:
	status = EXIT_BOSUN;
	goto end;
stopped:
	status = 128 + startup_stopped();
	log_error("%s before the command started; exiting",
	    sig_name(startup_stopped(), err, sizeof(err)));
end:
	filter_free(sp.filter);
	envlist_free(&env);
	cli_free(&cfg);
	return status;
}
