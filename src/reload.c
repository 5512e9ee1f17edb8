// SPDX-License-Identifier: MIT
/*
 * reload: --on-change restart reads every source of the command's
 * environment again, hooks included, in a child process of its own (the
 * reader) while the supervisor goes on forwarding, reaping and watching.
 *
 * The reader is a child subreaper: whatever a hook leaves behind is
 * re-parented to it, never to bosun, so the hooks module kills the hook's
 * leftovers (every descendant of the reader) without touching the
 * command's processes, which are the reader's siblings. The file sources
 * keep their deadline (--hook-timeout, SIGALRM in the reader) and each
 * hook its own. The reader writes the environment it read into a memfd
 * that bosun created before the fork, and exits 0; bosun reads it once it
 * reaped the reader. If bosun has to stop meanwhile it SIGKILLs the
 * reader: a hook it was running is then bosun's descendant, and stopped
 * with the rest.
 *
 * Secret values pass only through the memfd (close-on-exec, in no
 * environment) and buffers zeroed before they are freed.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcodes.h"
#include "log.h"
#include "reload.h"
#include "signals.h"
#include "startup.h"

/* Writes all of buf to fd; 0, or -1 with errno. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The environment as "NAME=VALUE\0" entries, in one write. */
static int
put_environment(int fd, struct envlist *env)
{
	char **v = envlist_envp(env), *buf, *at;
	size_t len = 0, i;
	int r;

	for (i = 0; v[i]; i++)
		len += strlen(v[i]) + 1;
	if (!(at = buf = malloc(len ? len : 1)))
		return -1;
	for (i = 0; v[i]; i++)
		at = stpcpy(at, v[i]) + 1;
	r = write_all(fd, buf, len);
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

static void __attribute__((noreturn))
reader(int fd, pid_t parent, reload_read read, void *arg)
{
	struct envlist env;
	int code = RELOAD_FAILED;

	/* a hook's orphans come to us; if bosun is gone, so are we */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent ||
	    startup_reader() < 0) {
		log_error("cannot read the sources again: %s; keeping the "
		          "running command",
		    strerror(errno));
	} else if (read(arg, &env) == 0) {
		if (put_environment(fd, &env) == 0)
			code = 0;
		else
			log_error("cannot pass on the sources read again: %s; "
			          "keeping the running command",
			    strerror(errno));
		envlist_free(&env);
	}
	exit_flush_coverage();
	_exit(code);
}

/*
 * Forks the reader. Returns its pid, or -1 once it logged why (the
 * running command is kept).
 */
pid_t
reload_start(struct reload *rl, reload_read read, void *arg)
{
	pid_t parent = getpid(), pid;
	int e;

	reload_clear(rl);
	rl->fd = memfd_create("bosun-environment", MFD_CLOEXEC);
	if (rl->fd < 0) {
		log_error("cannot read the sources again: memfd: %s; keeping "
		          "the running command",
		    strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0)
		reader(rl->fd, parent, read, arg);
	if (pid < 0) {
		e = errno;
		reload_clear(rl);
		log_error("cannot read the sources again: fork: %s; keeping "
		          "the running command",
		    strerror(e));
	}
	return pid;
}

/* Reads the reader's result into rl->buf and rl->envp. */
static int
take_result(struct reload *rl)
{
	struct stat st;
	size_t n = 0, i, k = 0;
	ssize_t got;

	if (fstat(rl->fd, &st) < 0)
		return -1;
	rl->len = (size_t)st.st_size;
	if (!(rl->buf = malloc(rl->len + 1)))
		return -1;
	while (n < rl->len) {
		got = pread(rl->fd, rl->buf + n, rl->len - n, (off_t)n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -1 : (errno = EIO, -1);
		n += (size_t)got;
	}
	rl->buf[rl->len] = '\0';
	for (i = 0; i < rl->len; i++)
		k += rl->buf[i] == '\0';
	/* one more for an entry without its NUL at the end (never written
	 * so by the reader; buf[len] ends it) */
	if (!(rl->envp = malloc((k + 2) * sizeof(char *))))
		return -1;
	for (i = 0, k = 0; i < rl->len; i += strlen(rl->buf + i) + 1)
		rl->envp[k++] = rl->buf + i;
	rl->envp[k] = NULL;
	return 0;
}

/*
 * The reader ended with wstatus. When its result is wanted and it
 * succeeded: 0, with the environment in rl->envp. Otherwise -1, once the
 * failure is logged (not when the result was not wanted: bosun stopped
 * the reader itself); the result is cleared.
 */
int
reload_finish(struct reload *rl, int wstatus, int wanted)
{
	char name[24];

	if (!wanted) {
		reload_clear(rl);
		return -1;
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
		if (take_result(rl) == 0) {
			close(rl->fd);
			rl->fd = -1;
			return 0;
		}
		log_error("cannot take the sources read again: %s; keeping "
		          "the running command",
		    strerror(errno));
	} else if (WIFSIGNALED(wstatus)) {
		log_error("reading the sources again was killed by %s; "
		          "keeping the running command",
		    sig_name(WTERMSIG(wstatus), name, sizeof(name)));
	} else if (WIFEXITED(wstatus) &&
	    WEXITSTATUS(wstatus) != RELOAD_FAILED) {
		log_error("reading the sources again failed (exit %d); "
		          "keeping the running command",
		    WEXITSTATUS(wstatus));
	}
	reload_clear(rl);
	return -1;
}

/* Zeroes and frees the result; closes the memfd. */
void
reload_clear(struct reload *rl)
{
	if (rl->buf) {
		explicit_bzero(rl->buf, rl->len);
		free(rl->buf);
	}
	free(rl->envp);
	if (rl->fd >= 0)
		close(rl->fd);
	*rl = (struct reload){ .fd = -1 };
}
