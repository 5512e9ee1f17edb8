// SPDX-License-Identifier: MIT
/*
 * spawn: the fork/exec path. The child puts itself in its own process
 * group, takes the terminal when bosun was given one, gets back exactly the
 * signal mask and dispositions bosun inherited, and execs the command
 * looked up in the PATH of its own environment.
 *
 * Then it drops privileges and loads the seccomp filter, last.
 *
 * The child reports its own failures and exits 125 (privileges, filter),
 * 127 (not found) or 126 (cannot be executed); the parent sees that as the
 * command's status. The command never runs when a step failed.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "log.h"
#include "spawn.h"

#define DEFAULT_PATH                                                           \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *
env_path(char **envp)
{
	for (; *envp; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	return DEFAULT_PATH;
}

/*
 * execve with a PATH search like execvp's, but using the command's own
 * environment and never falling back to /bin/sh. Returns only on failure,
 * with errno of the most telling attempt (EACCES beats ENOENT).
 */
int
spawn_exec(char **argv, char **envp)
{
	const char *file = argv[0], *p, *end;
	char buf[PATH_MAX];
	size_t flen = strlen(file), dlen;
	int seen_eacces = 0;

	if (*file == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/')) {
		execve(file, argv, envp);
		return -1;
	}
	for (p = env_path(envp);; p = end + 1) {
		end = strchrnul(p, ':');
		dlen = end - p;
		if (dlen + flen + 2 <= sizeof(buf)) {
			memcpy(buf, p, dlen);
			/* an empty PATH entry means the current directory */
			if (dlen == 0)
				buf[dlen++] = '.';
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, file, flen + 1);
			execve(buf, argv, envp);
			switch (errno) {
			case EACCES:
				seen_eacces = 1;
				/* fall through */
			case ENOENT:
			case ENOTDIR:
			case ELOOP:
			case ENAMETOOLONG:
			case ESTALE:
				break;
			default:
				return -1;
			}
		}
		if (*end == '\0')
			break;
	}
	errno = seen_eacces ? EACCES : ENOENT;
	return -1;
}

static void __attribute__((noreturn)) child(const struct spawn *sp)
{
	char err[512];

	/* The terminal first, while SIGTTOU is still blocked: a process
	 * group that is not yet in the foreground would be stopped. */
	setpgid(0, 0);
	if (sp->tty && tcsetpgrp(STDIN_FILENO, getpid()) < 0)
		log_warn("cannot hand the terminal to %s: %s", sp->argv[0],
		    strerror(errno));
	sigaction(SIGCHLD, &sp->sigchld, NULL);
	sig_set_mask(sp->mask);

	if (sp->priv && privdrop_apply(sp->priv, err, sizeof(err)) < 0) {
		log_error("%s", err);
		_exit(125);
	}
	if (sp->filter && filter_load(sp->filter, err, sizeof(err)) < 0) {
		log_error("%s", err);
		_exit(125);
	}
	spawn_exec(sp->argv, sp->envp);
	log_error("cannot run %s: %s", sp->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Returns the child's pid, or -1 with errno if it could not be forked. */
pid_t
spawn_command(const struct spawn *sp)
{
	pid_t pid = fork();

	if (pid == 0)
		child(sp);
	/* Both sides set the group, so signals to it work at once. */
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}
