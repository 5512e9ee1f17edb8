// SPDX-License-Identifier: MIT
/*
 * spawn: the fork/exec path. The child puts itself in its own process
 * group, takes the terminal when bosun was given one, gets back exactly the
 * signal mask and dispositions bosun inherited, and execs the command
 * looked up in the PATH of its own environment.
 *
 * Then it drops privileges and loads the seccomp filter, last.
 *
 * The child prints its own failures and exits 125 (privileges, filter),
 * 127 (not found) or 126 (cannot be executed). It also writes that code
 * and errno into a close-on-exec status pipe, so bosun learns it as its
 * own failure rather than as the command's status (which --remap-exit
 * may change): end of file without a report means exec succeeded, or the
 * child died before it. The command never runs when a step failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcodes.h"
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
		exit_flush_coverage();
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
			exit_flush_coverage();
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

/* What a child that failed before exec writes into the status pipe. */
struct report {
	int code; /* its exit code, 125..127 */
	int err;  /* errno of the failed step */
};

/* The exit code for a failed exec: 127 not found, 126 otherwise. */
int
spawn_exec_status(int err)
{
	return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/*
 * The first steps of every child bosun starts (the command, a hook): its
 * own process group, the terminal's foreground if asked (while SIGTTOU is
 * still blocked: a group not yet in the foreground would be stopped), the
 * dispositions and the mask bosun inherited. Returns 0, or -1 with errno
 * when the terminal could not be taken; the other steps cannot fail.
 */
int
spawn_child_setup(const struct child_setup *cs)
{
	int r = 0, e = 0;

	setpgid(0, 0);
	if (cs->tty && tcsetpgrp(STDIN_FILENO, getpid()) < 0) {
		e = errno;
		r = -1;
	}
	if (cs->sigchld)
		sigaction(SIGCHLD, cs->sigchld, NULL);
	sig_set_mask(cs->mask);
	errno = e;
	return r;
}

/* Reports to bosun, after the message was printed, and exits. */
static void __attribute__((noreturn)) report_and_exit(int fd, int code, int err)
{
	struct report r = { code, err };

	exit_flush_coverage();
	/* one write below PIPE_BUF is atomic; bosun holds the read end */
	if (write(fd, &r, sizeof(r)) < 0) {
		/* nothing more to do: bosun then sees the code as a status */
	}
	_exit(code);
}

/* The child that becomes the command, in the order conventions.md gives. */
static void __attribute__((noreturn))
exec_command(const struct spawn *sp, int fd)
{
	struct child_setup cs = { sp->mask, sp->tty, &sp->sigchld };
	char err[512];

	if (spawn_child_setup(&cs) < 0)
		log_warn("cannot hand the terminal to %s: %s", sp->argv[0],
		    strerror(errno));
	if (sp->priv && privdrop_apply(sp->priv, err, sizeof(err)) < 0) {
		log_error("%s", err);
		report_and_exit(fd, EXIT_BOSUN, errno);
	}
	if (sp->filter && filter_load(sp->filter, err, sizeof(err)) < 0) {
		log_error("%s", err);
		report_and_exit(fd, EXIT_BOSUN, errno);
	}
	spawn_exec(sp->argv, sp->envp);
	log_error("cannot run %s: %s", sp->argv[0], strerror(errno));
	report_and_exit(fd, spawn_exec_status(errno), errno);
}

/*
 * Returns the child's pid, or -1 with errno if it could not be forked.
 * *status_fd is the read end of the child's status pipe (spawn_outcome).
 */
pid_t
spawn_command(const struct spawn *sp, int *status_fd)
{
	int fd[2];
	pid_t pid;

	/* fds 0-2 are open (main holds them), so these are 3 and up */
	if (pipe2(fd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		exec_command(sp, fd[1]);
	}
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		return -1;
	}
	/* Both sides set the group, so signals to it work at once. */
	setpgid(pid, pid);
	*status_fd = fd[0];
	return pid;
}

static int
stopped_before_exec(pid_t pid)
{
	siginfo_t si = { 0 };

	/* WNOWAIT: the stop stays there for the supervisor to see */
	return waitid(P_PID, pid, &si, WSTOPPED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == pid && si.si_code == CLD_STOPPED;
}

/*
 * How the start went: *code is 0 when the child exec'd (or died before it,
 * its status tells), else the exit code of its own failure. With wait, it
 * waits for the answer, but not while the child is stopped before exec (a
 * ^Z or SIGSTOP at that moment): then *fd stays open and *code is 0, and a
 * later call without wait, once the child is gone, tells. Otherwise *fd is
 * closed and set to -1.
 */
void
spawn_outcome(pid_t pid, int *fd, int wait, int *code)
{
	struct pollfd p = { .fd = *fd, .events = POLLIN };
	struct report r;
	ssize_t n;
	int ready;

	*code = 0;
	if (*fd < 0)
		return;
	/* polled, not read at once: a stopped child would hang bosun */
	for (;;) {
		ready = poll(&p, 1, wait ? 10 : 0);
		if (ready > 0)
			break;
		if (ready < 0 && errno != EINTR)
			return; /* cannot tell yet */
		if (ready == 0 && (!wait || stopped_before_exec(pid)))
			return;
	}
	do
		n = read(*fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(r))
		*code = r.code;
	else if (n > 0)
		*code = EXIT_BOSUN; /* a torn report: fail closed */
	close(*fd);
	*fd = -1;
}
