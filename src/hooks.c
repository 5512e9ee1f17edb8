// SPDX-License-Identifier: MIT
/*
 * hooks: external programs (any secret manager's CLI) run before the
 * command (and for --on-change restart again, in reload.c's reader), as
 * bosun's user, with the environment assembled so far (less
 * loader variables from secret sources). A hook's standard output, in
 * env-file syntax, is merged into the command's environment; its standard
 * error passes through; its standard input is the terminal when bosun
 * holds one (it is given the foreground, so it can prompt), else
 * /dev/null. The executables in --hooks-dir run first, in lexical order,
 * then each --hook in order; later ones win.
 *
 * A hook that exits non-zero, dies, runs past --hook-timeout or prints a
 * malformed line or more than 4 MiB stops bosun before the command starts.
 * Whatever a hook started is killed and reaped when it ends, for any
 * reason. A stop signal meanwhile kills the hook (startup.c).
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

#include "clock.h"
#include "exitcodes.h"
#include "files.h"
#include "hooks.h"
#include "log.h"
#include "procs.h"
#include "spawn.h"
#include "startup.h"

/* a hook may print this much; one byte more is an error */
#define OUTPUT_MAX (4 << 20)

/*
 * Variables that make a program load code or run commands, or trace what
 * it does. A hook runs as bosun's user (often root); a secret source (a
 * volume anyone with access to the secret store can write) must not
 * choose them. A hook gets bosun's own value instead, if any; the command
 * still gets the secret source's. Names ending in '*' are prefixes.
 */
static const char *const loader_vars[] = { "LD_*", "BASHOPTS", "BASH_ENV",
	"ENV", "GCONV_PATH", "GETCONF_DIR", "HOSTALIASES", "IFS",
	"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "LOCALDOMAIN", "LOCPATH",
	"LUA_*", "MALLOC_TRACE", "NIS_PATH", "NLSPATH", "NODE_OPTIONS",
	"NODE_PATH", "PATH", "PERL5DB", "PERL5LIB", "PERL5OPT", "PERLLIB",
	"PS4", "PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONWARNINGS",
	"RESOLV_HOST_CONF", "RES_OPTIONS", "RUBYLIB", "RUBYOPT", "SHELLOPTS",
	"TMPDIR", "TZDIR", "_JAVA_OPTIONS" };

static int
loader_var(const char *entry, size_t n)
{
	const char *v;
	size_t i, k;

	for (i = 0; i < sizeof(loader_vars) / sizeof(loader_vars[0]); i++) {
		v = loader_vars[i];
		k = strlen(v);
		if (v[k - 1] == '*' ? strncmp(entry, v, k - 1) == 0
		                    : k == n && strncmp(entry, v, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * The hook's environment: the command's so far, where a loader variable
 * that came from a secret source is replaced by bosun's own (or left
 * out). Pointers only: no value is copied.
 */
static char **
hook_envp(const struct envlist *env)
{
	char **v = malloc((env->n + 1) * sizeof(*v));
	const char *own;
	size_t i, n = 0, k;

	if (!v)
		return NULL;
	for (i = 0; i < env->n; i++) {
		if (env->owned[i] & 2)
			continue; /* a hole left by envlist_remove */
		k = strcspn(env->v[i], "=");
		if (!env->owned[i] || !loader_var(env->v[i], k)) {
			v[n++] = env->v[i];
			continue;
		}
		log_debug("hooks get bosun's own %.*s", (int)k, env->v[i]);
		if ((own = envlist_inherited(env, env->v[i], k)))
			v[n++] = (char *)own - k - 1;
	}
	v[n] = NULL;
	return v;
}

static void __attribute__((noreturn))
exec_hook(const char *path, int out, char **envp, const struct hook_ctl *h)
{
	struct child_setup cs = { h->mask, h->tty, NULL };
	char *argv[] = { (char *)path, NULL };
	int null;

	startup_child();
	/* with bosun's terminal the hook may prompt on it (signin, PIN) */
	if (!h->tty && (null = open("/dev/null", O_RDONLY)) >= 0 && null != 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	dup2(out, STDOUT_FILENO);
	spawn_child_setup(&cs);
	spawn_exec(argv, envp);
	log_error("cannot run hook %s: %s", path, strerror(errno));
	exit_flush_coverage();
	_exit(spawn_exec_status(errno));
}

/* Reaps every child that has ended; 1 if some are left, 0 if none. */
static int
reap_ended(void)
{
	pid_t p;

	while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
		;
	return p == 0 || (p < 0 && errno == EINTR);
}

/* SIGKILL to bosun's descendants; through a /proc of another pid
 * namespace only to its own children, the ones it can prove. */
static int
kill_descendants(size_t *found)
{
	pid_t self;

	if (procs_own(&self) == 0)
		return procs_signal_descendants(SIGKILL, found);
	if (self > 0)
		return procs_signal_children(self, SIGKILL, found);
	return -1;
}

/*
 * Before the command starts every descendant of bosun was started by a
 * hook, and so is every descendant of a restart's reader (a subreaper,
 * beside the command, not above it): kill all of them (a daemon the hook left, even one that called
 * setsid, holds the secrets in its environment) and reap them. They are
 * found in /proc, again until none is left: an orphan is re-parented to
 * bosun, PID 1 or the subreaper, and a killed process forks no more.
 * (Not kill(-1) as PID 1: a `docker exec` shell is no descendant.)
 */
static int
kill_leftovers(void)
{
	struct timespec pause = { 0, 2000000 };
	long long give_up = clock_now_ms() + 5000;
	size_t found;
	int r;

	for (;;) {
		r = kill_descendants(&found);
		if (!reap_ended() && r == 0 && found == 0)
			return 0;
		if (r < 0)
			return -1;
		if (clock_now_ms() > give_up) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

struct hook_run {
	const char *path;
	const struct hook_ctl *h;
	char *buf; /* its output */
	size_t len, cap;
	int status;
	const char *why; /* set when it was cut short */
};

static int
exited_unreaped(pid_t pid)
{
	siginfo_t si = { 0 };

	return waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == pid;
}

/*
 * Appends what is readable on fd to the hook's output; *got is 0 at the
 * end of the file. Returns 0, or -1 with errno (EFBIG past the limit).
 */
static int
read_output(struct hook_run *r, int fd, size_t *got)
{
	size_t want;
	ssize_t n;

	if (r->len == r->cap) {
		/* room for one byte past the limit, to tell "more" */
		want = r->cap ? r->cap * 2 : 4096;
		if (want > OUTPUT_MAX + 1)
			want = OUTPUT_MAX + 1;
		if (files_grow(&r->buf, r->len, &r->cap, want) < 0)
			return -1;
	}
	do
		n = read(fd, r->buf + r->len, r->cap - r->len);
	while (n < 0 && errno == EINTR && !startup_stopped());
	if (n < 0)
		return -1;
	*got = (size_t)n;
	if ((r->len += *got) > OUTPUT_MAX) {
		errno = EFBIG;
		return -1;
	}
	return 0;
}

/*
 * The hook exited: all it wrote is in the pipe now. A process it left
 * behind may hold the pipe open, so this stops once it is empty. Returns
 * -1 only when the output is past the limit.
 */
static int
read_rest(struct hook_run *r, struct pollfd *pf)
{
	size_t got = 1;

	while (got && poll(pf, 1, 0) > 0)
		if (read_output(r, pf->fd, &got) < 0)
			return errno == EFBIG ? -1 : 0;
	return 0;
}

/* Runs the hook until it exits and its output is read, or it is cut
 * short (timeout, too much output, a stop signal). */
static void
wait_hook(struct hook_run *r, pid_t pid, int out)
{
	long long deadline = clock_now_ms() + r->h->timeout, left;
	int pidfd, open_out = 1, exited = 0;
	struct pollfd pf[2];
	size_t got;

	/* a pidfd turns the hook's exit into something poll can wait for */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (open_out || !exited) {
		if (startup_stopped()) {
			r->why = "was stopped";
			break;
		}
		if ((left = deadline - clock_now_ms()) <= 0) {
			r->why = "timed out";
			break;
		}
		pf[0] = (struct pollfd){ .fd = open_out ? out : -1,
			.events = POLLIN };
		pf[1] = (struct pollfd){ .fd = exited ? -1 : pidfd,
			.events = POLLIN };
		if (pidfd < 0 && !open_out) {
			/* no pidfd (kernel < 5.3): poll the exit, leaving the
			 * zombie to be reaped below */
			if (exited_unreaped(pid))
				exited = 1;
			else
				usleep(10000);
			continue;
		}
		if (poll(pf, 2, left > 1000 ? 1000 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			r->why = strerror(errno);
			break;
		}
		if (pf[0].revents) {
			if (read_output(r, out, &got) < 0) {
				if (errno == EINTR)
					continue;
				r->why = errno == EFBIG
				    ? "printed more than 4 MiB"
				    : strerror(errno);
				break;
			}
			if (got == 0)
				open_out = 0;
		}
		if (pf[1].revents) {
			exited = 1;
			if (open_out && read_rest(r, pf) < 0) {
				r->why = "printed more than 4 MiB";
				break;
			}
			open_out = 0;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	/* the group, before the hook is reaped: until then its pid, and so
	 * its group id, cannot be another process's */
	kill(-pid, SIGKILL);
	startup_hook(-1);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
}

/*
 * Forks the hook with its output on a pipe; *out is the read end. Returns
 * the pid, or -1 with errno. From here a stop signal is noted (and kills
 * the hook) rather than ending bosun, until startup_hook(0).
 */
static pid_t
start_hook(const struct envlist *env, const char *path,
    const struct hook_ctl *h, int *out)
{
	char **envp;
	int fds[2], e;
	pid_t pid;

	if (!(envp = hook_envp(env)))
		return -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(envp);
		return -1;
	}
	startup_hook(-1);
	pid = fork();
	if (pid == 0)
		exec_hook(path, fds[1], envp, h);
	e = errno;
	close(fds[1]);
	free(envp);
	if (pid < 0) {
		close(fds[0]);
		startup_hook(0);
		errno = e;
		return -1;
	}
	/* both sides set the group, so a signal reaches it at once */
	setpgid(pid, pid);
	startup_hook(pid);
	*out = fds[0];
	return pid;
}

/* What became of the hook, as a message in x->err; 0 if it succeeded. */
static int
hook_failed(struct secrets_ctx *x, const struct hook_run *r, int left)
{
	const char *path = r->path;

	if (startup_stopped())
		snprintf(x->err, x->errlen, "hook %s was stopped", path);
	else if (left < 0)
		snprintf(x->err, x->errlen,
		    "cannot make sure that what hook %s started is gone: %s",
		    path, strerror(errno));
	else if (r->why && strcmp(r->why, "timed out") == 0)
		snprintf(x->err, x->errlen,
		    "hook %s timed out after %lld ms (--hook-timeout)", path,
		    r->h->timeout);
	else if (r->why)
		snprintf(x->err, x->errlen, "hook %s %s", path, r->why);
	else if (WIFSIGNALED(r->status))
		snprintf(x->err, x->errlen, "hook %s was killed by signal %d",
		    path, WTERMSIG(r->status));
	else if (WEXITSTATUS(r->status) != 0)
		snprintf(x->err, x->errlen, "hook %s exited with status %d",
		    path, WEXITSTATUS(r->status));
	else
		return 0;
	return -1;
}

/* Runs one hook and merges its output into x's environment. */
int
hooks_run(struct secrets_ctx *x, const char *path, const struct hook_ctl *h)
{
	struct hook_run r = { .path = path, .h = h };
	char label[4200];
	int out, ret = -1, left;
	pid_t pid;

	log_info("running hook %s", path);
	if ((pid = start_hook(x->env, path, h, &out)) < 0) {
		snprintf(x->err, x->errlen, "cannot run hook %s: %s", path,
		    strerror(errno));
		return -1;
	}
	wait_hook(&r, pid, out);
	close(out);
	left = kill_leftovers();
	startup_hook(0);
	if (h->tty) {
		tcsetpgrp(STDIN_FILENO, getpgrp());
		/* ^C or ^\ at its prompt: the user stops bosun */
		if (!r.why && WIFSIGNALED(r.status) &&
		    (WTERMSIG(r.status) == SIGINT ||
		        WTERMSIG(r.status) == SIGQUIT))
			startup_stop(WTERMSIG(r.status));
	}
	if (hook_failed(x, &r, left) == 0) {
		snprintf(label, sizeof(label), "hook %s", path);
		ret =
		    secrets_parse_envfile(x, r.buf ? r.buf : "", r.len, label);
	}
	if (r.buf) {
		explicit_bzero(r.buf, r.cap);
		free(r.buf);
	}
	return ret;
}

/* The executable regular files of dir, in lexical order. */
int
hooks_run_dir(struct secrets_ctx *x, const char *dir, const struct hook_ctl *h)
{
	char **names, path[4096];
	size_t n, i;
	struct stat st;
	int r = 0;

	if (files_list_dir(dir, 1, &names, &n) < 0) {
		snprintf(x->err, x->errlen,
		    "cannot read hooks directory %s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n && r == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(path, X_OK) == 0)
			r = hooks_run(x, path, h);
		else
			log_info("skipping %s: not an executable file", path);
	}
	files_free_list(names, n);
	return r;
}
