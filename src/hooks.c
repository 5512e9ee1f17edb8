// SPDX-License-Identifier: MIT
/*
 * hooks: external programs (any secret manager's CLI) run before the
 * command, as bosun's user, with the environment assembled so far. A
 * hook's standard output, in env-file syntax, is merged into the command's
 * environment; its standard error passes through; its standard input is
 * /dev/null. The executables in --hooks-dir run first, in lexical order,
 * then each --hook in order; later ones win.
 *
 * A hook that exits non-zero, dies, runs past --hook-timeout or prints a
 * malformed line stops bosun before the command starts. Signals stay
 * blocked meanwhile and are handled once the command runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "log.h"
#include "spawn.h"

#define OUTPUT_MAX (4 << 20)

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void __attribute__((noreturn))
child(const char *path, int out, char **envp, ksigset mask)
{
	char *argv[] = { (char *)path, NULL };
	int null;

	setpgid(0, 0);
	if ((null = open("/dev/null", O_RDONLY)) >= 0 && null != 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	dup2(out, STDOUT_FILENO);
	sig_set_mask(mask);
	spawn_exec(argv, envp);
	log_error("cannot run hook %s: %s", path, strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Appends what is readable on fd; returns bytes read, 0 at EOF, -1. */
static ssize_t
drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char *nb;
	ssize_t r;

	if (*len == *cap) {
		if (*cap >= OUTPUT_MAX) {
			errno = EFBIG;
			return -1;
		}
		/* grow by copying, so no stale copy of a value is left */
		if (!(nb = malloc(*cap ? *cap * 2 : 4096)))
			return -1;
		if (*buf) {
			memcpy(nb, *buf, *len);
			explicit_bzero(*buf, *len);
			free(*buf);
		}
		*buf = nb;
		*cap = *cap ? *cap * 2 : 4096;
	}
	do
		r = read(fd, *buf + *len, *cap - *len);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		*len += r;
	return r;
}

static int
run_hook(
    struct secrets_ctx *x, const char *path, long long timeout, ksigset mask)
{
	char *buf = NULL, label[4200];
	size_t len = 0, cap = 0;
	long long deadline = now_ms() + timeout, left;
	struct pollfd pf[2];
	int fds[2], pidfd, status, open_out = 1, exited = 0, r = -1;
	const char *why = NULL;
	pid_t pid;

	log_info("running hook %s", path);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(x->err, x->errlen, "cannot run hook %s: %s", path,
		    strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0)
		child(path, fds[1], x->env->v, mask);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		snprintf(x->err, x->errlen, "cannot run hook %s: %s", path,
		    strerror(errno));
		return -1;
	}
	/* a pidfd turns the hook's exit into something poll can wait for */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	while (open_out || !exited) {
		left = deadline - now_ms();
		if (left <= 0) {
			why = "timed out";
			break;
		}
		pf[0] = (struct pollfd){ .fd = open_out ? fds[0] : -1,
			.events = POLLIN };
		pf[1] = (struct pollfd){ .fd = exited ? -1 : pidfd,
			.events = POLLIN };
		if (pidfd < 0 && !open_out) {
			/* no pidfd (kernel < 5.3): poll the exit */
			if (waitpid(pid, &status, WNOHANG) == pid)
				exited = 2;
			else
				usleep(10000);
			continue;
		}
		if (poll(pf, 2, left > 1000 ? 1000 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			why = strerror(errno);
			break;
		}
		if (pf[0].revents) {
			ssize_t n = drain(fds[0], &buf, &len, &cap);
			if (n < 0) {
				why = errno == EFBIG ? "printed more than 4 MiB"
				                     : strerror(errno);
				break;
			}
			if (n == 0)
				open_out = 0;
		}
		if (pf[1].revents) {
			exited = 1;
			/* all it wrote is in the pipe now; a process it left
			 * behind may hold the pipe open, so stop at empty */
			pf[0].revents = 0;
			while (open_out && poll(pf, 1, 0) > 0 &&
			    drain(fds[0], &buf, &len, &cap) > 0)
				;
			open_out = 0;
		}
	}
	close(fds[0]);
	if (pidfd >= 0)
		close(pidfd);
	if (why) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	if (exited != 2)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (why)
		snprintf(x->err, x->errlen, "hook %s %s (limit %lld ms)", path,
		    why, timeout);
	else if (WIFSIGNALED(status))
		snprintf(x->err, x->errlen, "hook %s was killed by signal %d",
		    path, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		snprintf(x->err, x->errlen, "hook %s exited with status %d",
		    path, WEXITSTATUS(status));
	else {
		snprintf(label, sizeof(label), "hook %s", path);
		r = secrets_parse_envfile(x, buf ? buf : "", len, label);
	}
	if (buf) {
		explicit_bzero(buf, cap);
		free(buf);
	}
	return r;
}

/* The executable regular files of dir, in lexical order. */
static int
run_dir(struct secrets_ctx *x, const char *dir, long long timeout, ksigset mask)
{
	char **names, path[4096];
	size_t n, i;
	struct stat st;
	int r = 0;

	if (secrets_list_dir(dir, 1, &names, &n) < 0) {
		snprintf(x->err, x->errlen,
		    "cannot read hooks directory %s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n && r == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(path, X_OK) == 0)
			r = run_hook(x, path, timeout, mask);
		else
			log_info("skipping %s: not an executable file", path);
	}
	secrets_free_list(names, n);
	return r;
}

int
hooks_run(struct secrets_ctx *x, const struct config *c, ksigset mask)
{
	size_t i;

	if (c->hooks_dir && run_dir(x, c->hooks_dir, c->hook_timeout, mask) < 0)
		return -1;
	for (i = 0; i < c->hooks.n; i++)
		if (run_hook(x, c->hooks.v[i], c->hook_timeout, mask) < 0)
			return -1;
	return 0;
}
