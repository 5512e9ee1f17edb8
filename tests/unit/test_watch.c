// SPDX-License-Identifier: MIT
/* watch: which inotify events are changes of what is watched. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "watch.h"

/* Appends one event to buf at *at. */
static void
event(char *buf, size_t *at, int wd, uint32_t mask, const char *name)
{
	struct inotify_event ev = { .wd = wd, .mask = mask };
	size_t n = name ? strlen(name) + 1 : 0;

	ev.len = (uint32_t)((n + 3) / 4 * 4);
	memcpy(buf + *at, &ev, sizeof(ev));
	memset(buf + *at + sizeof(ev), 0, ev.len);
	if (name)
		memcpy(buf + *at + sizeof(ev), name, n);
	*at += sizeof(ev) + ev.len;
}

static struct watch_item dir = { 1, WATCH_DIR, "/run/secrets", NULL };
static struct watch_item file = { 2, WATCH_NAME, "/etc/app/app.conf",
	"app.conf" };

Test(watch, a_directory_matches_every_entry_and_itself)
{
	cr_assert(watch_match(&dir, "db_password"));
	cr_assert(watch_match(&dir, "..data"));
	cr_assert(watch_match(&dir, NULL));
}

Test(watch, a_file_matches_its_name_and_a_kubernetes_swap_only)
{
	cr_assert(watch_match(&file, "app.conf"));
	cr_assert(watch_match(&file, "..data"), "a ..data swap replaces it");
	cr_assert(watch_match(&file, "..2026_11_23_15_00_00.1"));
	cr_assert_not(watch_match(&file, "other.conf"));
	cr_assert_not(watch_match(&file, "app.conf.swp"));
	cr_assert_not(watch_match(&file, ".app.conf"));
	cr_assert(watch_match(&file, NULL), "its directory went away");
}

Test(watch, events_are_matched_by_descriptor_and_name)
{
	struct watch_item items[] = { dir, file };
	struct watch w = { -1, items, 2 };
	char buf[1024], what[128] = "";
	size_t at = 0;
	int changed = 0;

	event(buf, &at, 2, IN_CLOSE_WRITE, "other.conf");
	event(buf, &at, 3, IN_CREATE, "x");
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	cr_assert_eq(changed, 0, "neither the name nor the descriptor");
	cr_assert_str_empty(what);
	at = 0;
	event(buf, &at, 2, IN_MOVED_TO, "app.conf");
	event(buf, &at, 1, IN_CREATE, "token");
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	cr_assert_eq(changed, 1);
	cr_assert_str_eq(what, "/etc/app/app.conf: changed (app.conf)",
	    "the first change is the one described");
}

Test(watch, a_lost_queue_is_a_change_and_a_torn_buffer_is_not_read)
{
	struct watch_item items[] = { file };
	struct watch w = { -1, items, 1 };
	char buf[1024], what[128] = "";
	size_t at = 0;
	int changed = 0;

	event(buf, &at, 2, IN_CLOSE_WRITE, "app.conf");
	watch_events(&w, buf, at - 4, what, sizeof(what), &changed);
	cr_assert_eq(changed, 0, "an event cut short is not looked at");
	at = 0;
	event(buf, &at, -1, IN_Q_OVERFLOW, NULL);
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	cr_assert_eq(changed, 1);
}

Test(watch, a_dropped_watch_is_forgotten)
{
	struct watch_item items[] = { file };
	struct watch w = { -1, items, 1 };
	char buf[256], what[128] = "";
	size_t at = 0;
	int changed = 0;

	event(buf, &at, 2, IN_IGNORED, NULL);
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	cr_assert_eq(items[0].wd, -1);
	cr_assert_eq(changed, 0);
}

/* A temporary directory with one file in it; the watch's signal blocked
 * (its default action would end the test). */
static char tmp[64];

static void
make_tmp(void)
{
	char path[128];
	sigset_t set;
	FILE *f;

	sigemptyset(&set);
	sigaddset(&set, WATCH_SIGNAL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	snprintf(tmp, sizeof(tmp), "/tmp/bosun-watch-XXXXXX");
	cr_assert(mkdtemp(tmp));
	snprintf(path, sizeof(path), "%s/conf", tmp);
	cr_assert((f = fopen(path, "w")));
	fclose(f);
}

static int
changes(struct watch *w, char *what, size_t len)
{
	int changed = 0;

	what[0] = '\0';
	cr_assert_eq(watch_read(w, what, len, &changed), 0);
	return changed;
}

Test(watch, a_file_replaced_by_rename_is_still_watched)
{
	char path[128], tmpf[128], what[256];
	struct watch w;
	int i;

	make_tmp();
	snprintf(path, sizeof(path), "%s/conf", tmp);
	snprintf(tmpf, sizeof(tmpf), "%s/conf.new", tmp);
	cr_assert_eq(watch_open(&w), 0);
	cr_assert_eq(watch_add(&w, path), 0);
	cr_assert_eq(watch_add(&w, path), 0);
	cr_assert_eq(w.n, 2, "the same file twice: its name and inode once");
	cr_assert_eq(changes(&w, what, sizeof(what)), 0);
	for (i = 0; i < 3; i++) {
		close(open(tmpf, O_WRONLY | O_CREAT, 0600));
		cr_assert_eq(changes(&w, what, sizeof(what)), 0,
		    "another name in the directory");
		cr_assert_eq(rename(tmpf, path), 0);
		cr_assert_eq(changes(&w, what, sizeof(what)), 1);
		cr_assert(strstr(what, "conf: changed (conf)"), "%s", what);
	}
	unlink(path);
	cr_assert_eq(changes(&w, what, sizeof(what)), 1, "deleted");
	rmdir(tmp);
	watch_close(&w);
	cr_assert_eq(w.fd, -1);
}

Test(watch, a_missing_path_is_an_error)
{
	struct watch w;

	cr_assert_eq(watch_open(&w), 0);
	cr_assert_eq(watch_add(&w, "/nonexistent/bosun/x"), -1);
	cr_assert_eq(errno, ENOENT);
	watch_close(&w);
}

Test(watch, events_arrive_as_the_watch_signal)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { 5, 0 };
	char path[128];
	struct watch w;

	make_tmp();
	sigemptyset(&set);
	sigaddset(&set, WATCH_SIGNAL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	cr_assert_eq(watch_open(&w), 0);
	cr_assert_eq(watch_add(&w, tmp), 0);
	snprintf(path, sizeof(path), "%s/new", tmp);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	cr_assert_eq(sigtimedwait(&set, &si, &ts), WATCH_SIGNAL);
	cr_assert(watch_is_event(&w, &si));
	si.si_code = SI_USER;
	cr_assert_not(watch_is_event(&w, &si), "the same signal from kill");
	unlink(path);
	snprintf(path, sizeof(path), "%s/conf", tmp);
	unlink(path);
	rmdir(tmp);
	watch_close(&w);
}

Test(watch, a_write_through_another_name_is_seen_and_rearmed)
{
	char path[128], other[128], alias[128], tmpf[128], what[256];
	struct watch w;
	int fd;

	/* another directory's name for the file: as a bind mount of it is,
	 * whose writes its directory's watch does not see */
	make_tmp();
	snprintf(path, sizeof(path), "%s/conf", tmp);
	snprintf(tmpf, sizeof(tmpf), "%s/conf.new", tmp);
	snprintf(other, sizeof(other), "%s/other", tmp);
	snprintf(alias, sizeof(alias), "%s/other/conf", tmp);
	cr_assert_eq(mkdir(other, 0700), 0);
	cr_assert_eq(watch_open(&w), 0);
	cr_assert_eq(watch_add(&w, path), 0);
	cr_assert_eq(link(path, alias), 0);
	cr_assert_eq(changes(&w, what, sizeof(what)), 1, "link count");
	cr_assert((fd = open(alias, O_WRONLY | O_TRUNC)) >= 0);
	cr_assert_eq(write(fd, "x", 1), 1);
	close(fd);
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert(strstr(what, "/conf: changed"), "%s", what);
	/* replaced by rename: the new inode is watched, under both names */
	unlink(alias);
	close(open(tmpf, O_WRONLY | O_CREAT, 0600));
	cr_assert_eq(rename(tmpf, path), 0);
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert_eq(link(path, alias), 0);
	changes(&w, what, sizeof(what));
	cr_assert((fd = open(alias, O_WRONLY | O_TRUNC)) >= 0);
	cr_assert_eq(write(fd, "y", 1), 1);
	close(fd);
	cr_assert_eq(changes(&w, what, sizeof(what)), 1, "the new inode");
	unlink(alias);
	unlink(path);
	rmdir(other);
	rmdir(tmp);
	watch_close(&w);
}
