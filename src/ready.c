// SPDX-License-Identifier: MIT
/*
 * ready: is a dependency there yet? Checks every target of --wait (until
 * all are ready or the timeout) or the one of --probe (once), all at the
 * same time in one poll(2) loop: non-blocking connects, an HTTP GET on
 * the connection for http://, stat(2) for file:.
 *
 * Names are resolved by getaddrinfo(3), which blocks for as long as DNS
 * takes to answer (musl: up to 5 s per try, and again). So it runs in a
 * forked child that writes the addresses into a pipe, which the loop
 * polls like the sockets: the timeouts hold however long DNS hangs, and
 * a stop signal (startup.c's handler) ends bosun at once. The child blocks
 * every signal and dies with bosun (PR_SET_PDEATHSIG); when an attempt is
 * given up, it is killed and reaped here: it is our child, not yet
 * reaped, so its pid is ours. Addresses are looked up again on every
 * attempt, as a compose service's name only resolves once it exists.
 *
 * Attempts are retried with a backoff from 100 ms doubling to 1 s; one
 * attempt lasts at most ATTEMPT_MS. Nothing here exits or decides: the
 * outcome, and why each target was not ready, go back to main.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "exitcodes.h"
#include "http.h"
#include "log.h"
#include "ready.h"
#include "signals.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 1000
#define ATTEMPT_MS 5000
#define REPORT_EVERY_MS 5000
#define ADDRS_MAX 8

enum phase {
	IDLE,       /* waiting for the next attempt */
	RESOLVING,  /* the resolver child runs; fd is its pipe */
	CONNECTING, /* fd is a socket, connect in progress */
	SENDING,    /* http: the request goes out */
	READING,    /* http: the answer comes in */
	READY,
	FAILED /* once: the one attempt failed */
};

/* What the resolver child writes, in one write (at most PIPE_BUF). */
struct resolved {
	int gai; /* getaddrinfo's error, 0 if none */
	int n;
	struct {
		socklen_t len;
		struct sockaddr_in6 sa; /* the larger of in and in6 */
	} a[ADDRS_MAX];
};

_Static_assert(sizeof(struct resolved) <= 512, "one atomic pipe write");

struct check {
	const struct target *t;
	enum phase phase;
	int fd;
	pid_t resolver;
	struct resolved addrs;
	int next_addr;
	long long next_try, attempt_end, backoff, next_report;
	long long addr_end; /* a pending connect moves on to the next address */
	char why[160];      /* why the last attempt failed */
	char req[HTTP_LINE_MAX + 512];
	size_t req_len, sent, got;
	char buf[HTTP_HEAD_MAX];
};

static void
kill_resolver(struct check *c)
{
	if (c->resolver <= 0)
		return;
	kill(c->resolver, SIGKILL);
	while (waitpid(c->resolver, NULL, 0) < 0 && errno == EINTR)
		;
	c->resolver = 0;
}

static void
stop_attempt(struct check *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	kill_resolver(c);
}

/* The attempt failed: why, and when to try again. */
static void
failed(struct check *c, const struct ready *r, long long now, const char *why)
{
	stop_attempt(c);
	snprintf(c->why, sizeof(c->why), "%s", why);
	if (r->once) { /* --probe says it once, in main */
		c->phase = FAILED;
		return;
	}
	log_debug("%s: %s", c->t->shown, why);
	c->phase = IDLE;
	c->next_try = now + c->backoff;
	c->backoff =
	    c->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff * 2;
}

static void
failed_errno(struct check *c, const struct ready *r, long long now, int e)
{
	failed(c, r, now, strerror(e));
}

/* In the resolver child: block every signal, die with bosun, look the
 * name up, write what was found, exit. */
static void
resolve_child(const struct target *t, int fd, pid_t parent)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	static struct resolved out;

	sig_block_all(NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	/* hold no copy of the other targets' sockets: a connection bosun
	 * closes must close */
	if (fd != 3 && dup2(fd, 3) == 3)
		fd = 3;
#ifdef SYS_close_range
	if (fd == 3)
		syscall(SYS_close_range, 4, ~0U, 0);
#endif
	out.gai = getaddrinfo(t->host, t->port, &hints, &res);
	for (ai = out.gai ? NULL : res; ai && out.n < ADDRS_MAX;
	     ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(out.a[0].sa))
			continue;
		out.a[out.n].len = ai->ai_addrlen;
		memcpy(&out.a[out.n++].sa, ai->ai_addr, ai->ai_addrlen);
	}
	if (out.gai == 0)
		freeaddrinfo(res);
	if (write(fd, &out, sizeof(out)) < 0)
		_exit(1);
	exit_flush_coverage();
	_exit(0);
}

static int
start_resolver(struct check *c)
{
	pid_t parent = getpid();
	sigset_t all, old;
	int p[2], e;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	/* every signal blocked across the fork: the child must never run
	 * bosun's start-up handler (a second message, the termination log
	 * truncated); the parent takes what came once the mask is back */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	c->resolver = fork();
	if (c->resolver == 0) {
		close(p[0]);
		resolve_child(c->t, p[1], parent);
	}
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (c->resolver < 0) {
		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	close(p[1]);
	c->fd = p[0];
	c->phase = RESOLVING;
	return 0;
}

/* An address literal needs no lookup (and no child). */
static int
numeric(struct check *c)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&c->addrs.a[0].sa;
	struct sockaddr_in6 *in6 = &c->addrs.a[0].sa;
	int port = atoi(c->t->port);

	memset(&c->addrs, 0, sizeof(c->addrs));
	if (inet_pton(AF_INET, c->t->host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		c->addrs.a[0].len = sizeof(*in);
	} else if (inet_pton(AF_INET6, c->t->host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		c->addrs.a[0].len = sizeof(*in6);
	} else {
		return 0;
	}
	c->addrs.n = 1;
	return 1;
}

/* Connected: a tcp:// target is ready; http:// sends its request. */
static void
connected(struct check *c, const struct ready *r, long long now)
{
	if (c->t->kind != TARGET_HTTP) {
		stop_attempt(c);
		c->phase = READY;
		return;
	}
	if (http_request(c->t->host, c->t->port, c->t->path, c->t->path_len,
	        c->req, sizeof(c->req), &c->req_len) < 0) {
		failed(c, r, now, "the request does not fit");
		return;
	}
	c->sent = c->got = 0;
	c->phase = SENDING;
}

/* Connects to the next address; each failure moves on to the next. */
static void
connect_next(struct check *c, const struct ready *r, long long now)
{
	int e = EADDRNOTAVAIL;

	while (c->next_addr < c->addrs.n) {
		const struct sockaddr *sa =
		    (struct sockaddr *)&c->addrs.a[c->next_addr].sa;
		socklen_t len = c->addrs.a[c->next_addr++].len;

		c->fd = socket(sa->sa_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			e = errno;
			continue;
		}
		if (connect(c->fd, sa, len) == 0) {
			connected(c, r, now);
			return;
		}
		if (errno == EINPROGRESS) {
			c->phase = CONNECTING;
			/* --probe shares its one attempt among the addresses */
			c->addr_end = c->next_addr >= c->addrs.n ? LLONG_MAX
			    : r->once ? now + r->timeout / c->addrs.n
			              : now + ATTEMPT_MS;
			return;
		}
		e = errno;
		close(c->fd);
		c->fd = -1;
	}
	failed_errno(c, r, now, e);
}

static void
start_unix(struct check *c, const struct ready *r, long long now)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	/* target.c checked that the path fits */
	memcpy(sun.sun_path, c->t->path, c->t->path_len);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		failed_errno(c, r, now, errno);
		return;
	}
	stop_attempt(c);
	c->phase = READY;
}

static void
start_attempt(struct check *c, const struct ready *r, long long now)
{
	struct stat st;

	c->attempt_end = now + ATTEMPT_MS;
	c->next_addr = 0;
	switch (c->t->kind) {
	case TARGET_FILE:
		if (stat(c->t->path, &st) < 0)
			failed_errno(c, r, now, errno);
		else
			c->phase = READY;
		return;
	case TARGET_UNIX:
		start_unix(c, r, now);
		return;
	case TARGET_TCP:
	case TARGET_HTTP:
		if (numeric(c))
			connect_next(c, r, now);
		else if (start_resolver(c) < 0)
			failed_errno(c, r, now, errno);
		return;
	}
}

/* The resolver's answer is in its pipe (or it died). */
static void
on_resolved(struct check *c, const struct ready *r, long long now)
{
	char why[160];
	ssize_t n;

	n = read(c->fd, &c->addrs, sizeof(c->addrs));
	if (n < 0 && errno == EAGAIN)
		return;
	close(c->fd);
	c->fd = -1;
	kill_resolver(c);
	if (n != (ssize_t)sizeof(c->addrs)) {
		failed(c, r, now, "cannot resolve the name: the resolver died");
	} else if (c->addrs.gai || c->addrs.n <= 0 || c->addrs.n > ADDRS_MAX) {
		snprintf(why, sizeof(why), "cannot resolve the name: %s",
		    c->addrs.gai ? gai_strerror(c->addrs.gai) : "no address");
		failed(c, r, now, why);
	} else {
		connect_next(c, r, now);
	}
}

static void
on_connect(struct check *c, const struct ready *r, long long now)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e == 0) {
		connected(c, r, now);
		return;
	}
	close(c->fd);
	c->fd = -1;
	if (c->next_addr < c->addrs.n)
		connect_next(c, r, now);
	else
		failed_errno(c, r, now, e);
}

static void
on_send(struct check *c, const struct ready *r, long long now)
{
	ssize_t n;

	/* MSG_NOSIGNAL: a SIGPIPE would stay pending, blocked, and reach
	 * the command later */
	n = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			failed_errno(c, r, now, errno);
		return;
	}
	if ((c->sent += n) == c->req_len)
		c->phase = READING;
}

static void
on_receive(struct check *c, const struct ready *r, long long now)
{
	char why[64];
	ssize_t n;
	int status, res;

	n = recv(c->fd, c->buf + c->got, sizeof(c->buf) - c->got, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			failed_errno(c, r, now, errno);
		return;
	}
	c->got += n;
	res = http_status(c->buf, c->got, &status);
	if (res == 0 && n > 0)
		return;
	if (res < 0) {
		failed(c, r, now, "not an HTTP response");
	} else if (res == 0) {
		failed(c, r, now, "closed before the status line");
	} else if (status < 200 || status > 299) {
		snprintf(why, sizeof(why), "answered %d", status);
		failed(c, r, now, why);
	} else {
		stop_attempt(c);
		c->phase = READY;
	}
}

static const char *
phase_name(enum phase p)
{
	switch (p) {
	case RESOLVING:
		return "resolving the name";
	case CONNECTING:
		return "connecting";
	default:
		return "waiting for the answer";
	}
}

static int
in_progress(enum phase p)
{
	return p == RESOLVING || p == CONNECTING || p == SENDING ||
	    p == READING;
}

/* At -v: a line when a target first fails, then every few seconds. */
static void
report(struct check *c, long long elapsed)
{
	const char *why = c->why[0] ? c->why : phase_name(c->phase);

	if (elapsed < c->next_report || (!c->why[0] && elapsed < 1000))
		return;
	log_info(
	    "waiting for %s (%lld s): %s", c->t->shown, elapsed / 1000, why);
	c->next_report = (elapsed / REPORT_EVERY_MS + 1) * REPORT_EVERY_MS;
}

static void
on_event(struct check *c, const struct ready *r, long long now, short ev)
{
	switch (c->phase) {
	case RESOLVING:
		on_resolved(c, r, now);
		break;
	case CONNECTING:
		on_connect(c, r, now);
		break;
	case SENDING:
		on_send(c, r, now);
		break;
	case READING:
		on_receive(c, r, now);
		break;
	default:
		break;
	}
}

/* Why each target is not ready, into err: for --probe the one reason,
 * for --wait "TARGET (why), ...". */
static void
explain(const struct ready *r, struct check *cs, char *err, size_t len)
{
	size_t at = 0, i;
	const char *why;
	char late[96];
	int k;

	err[0] = '\0';
	for (i = 0; i < r->n; i++) {
		if (cs[i].phase == READY)
			continue;
		why = cs[i].why;
		if (r->once && cs[i].phase != FAILED) {
			snprintf(late, sizeof(late),
			    "no answer within %lld ms (%s)", r->timeout,
			    r->timeout_option);
			why = late;
		} else if (!why[0]) {
			why = phase_name(cs[i].phase);
		}
		if (r->once)
			k = snprintf(err + at, len - at, "%s", why);
		else
			k = snprintf(err + at, len - at, "%s%s (%s)",
			    at ? ", " : "", cs[i].t->shown, why);
		if (k < 0 || (size_t)k >= len - at)
			return;
		at += k;
	}
}

static long long
earliest(long long a, long long b)
{
	return b < a ? b : a;
}

/* One pass of the loop: start what is due, give up what took too long;
 * the count of targets not ready yet (and not failed for good). */
static size_t
advance(const struct ready *r, struct check *cs, long long now, long long start,
    long long *wake)
{
	size_t i, pending = 0;
	char why[96];

	for (i = 0; i < r->n; i++) {
		struct check *c = &cs[i];

		if (c->phase == IDLE && now >= c->next_try) {
			start_attempt(c, r, now);
			/* --probe: its one attempt has the whole timeout */
			if (r->once)
				c->attempt_end = LLONG_MAX;
		}
		if (c->phase == CONNECTING && c->next_addr < c->addrs.n &&
		    now >= earliest(c->attempt_end, c->addr_end)) {
			/* an address that drops the connect (a firewall, a
			 * route to nowhere) must not hide the next one */
			log_debug("%s: no answer to the connect; "
			          "trying the next address",
			    c->t->shown);
			close(c->fd);
			c->fd = -1;
			if (!r->once)
				c->attempt_end = now + ATTEMPT_MS;
			connect_next(c, r, now);
		}
		if (in_progress(c->phase) && now >= c->attempt_end) {
			snprintf(why, sizeof(why), "%s took longer than %d s",
			    phase_name(c->phase), ATTEMPT_MS / 1000);
			failed(c, r, now, why);
		}
		if (c->phase == READY && c->next_report >= 0) {
			if (!r->once)
				log_info("%s is ready after %lld.%lld s",
				    c->t->shown, (now - start) / 1000,
				    (now - start) % 1000 / 100);
			c->next_report = -1;
		}
		if (c->phase == READY || c->phase == FAILED)
			continue;
		pending++;
		if (!r->once && log_level >= LOG_LEVEL_INFO) {
			report(c, now - start);
			*wake = earliest(*wake,
			    start +
			        (c->why[0] || c->next_report >= 1000
			                ? c->next_report
			                : 1000));
		}
		*wake = earliest(
		    *wake, c->phase == IDLE ? c->next_try : c->attempt_end);
		if (c->phase == CONNECTING)
			*wake = earliest(*wake, c->addr_end);
	}
	return pending;
}

/*
 * Checks r's targets until every one is ready (0), or the timeout, or
 * with r->once until each was tried once (-1, why in err: for --wait
 * each target that is not ready and why).
 */
int
ready_wait(const struct ready *r, char *err, size_t len)
{
	long long start = clock_now_ms(), deadline = start + r->timeout, now;
	long long wake;
	struct check *cs = calloc(r->n, sizeof(*cs));
	struct pollfd *pfd = calloc(r->n, sizeof(*pfd));
	size_t i, k, pending;
	int rc = -1;

	if (!cs || !pfd) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	for (i = 0; i < r->n; i++) {
		cs[i].t = &r->targets[i];
		cs[i].fd = -1;
		cs[i].backoff = BACKOFF_FIRST_MS;
		cs[i].next_try = start;
	}
	for (;;) {
		now = clock_now_ms();
		wake = deadline;
		pending = advance(r, cs, now, start, &wake);
		if (pending == 0 || now >= deadline)
			break;
		for (i = k = 0; i < r->n; i++) {
			if (!in_progress(cs[i].phase))
				continue;
			pfd[k].fd = cs[i].fd;
			pfd[k].events =
			    cs[i].phase == CONNECTING || cs[i].phase == SENDING
			    ? POLLOUT
			    : POLLIN;
			pfd[k++].revents = 0;
		}
		/* a stop signal interrupts this (startup.c ends bosun) */
		if (poll(pfd, k, (int)(wake > now ? wake - now : 0)) < 0 &&
		    errno != EINTR) {
			snprintf(err, len, "poll: %s", strerror(errno));
			goto out;
		}
		now = clock_now_ms();
		for (i = k = 0; i < r->n; i++) {
			if (!in_progress(cs[i].phase))
				continue;
			if (pfd[k++].revents)
				on_event(&cs[i], r, now, pfd[k - 1].revents);
		}
	}
	for (i = 0; i < r->n && cs[i].phase == READY; i++)
		;
	if (i == r->n)
		rc = 0;
	else
		explain(r, cs, err, len);
out:
	for (i = 0; cs && i < r->n; i++)
		stop_attempt(&cs[i]);
	free(cs);
	free(pfd);
	return rc;
}
