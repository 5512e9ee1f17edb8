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

/*
 * --watch DIR: the whole tree below it, one inotify watch per directory.
 */

/* Makes each directory of a relative path below tmp, as mkdir -p does. */
static void
mkdirs(const char *rel)
{
	char path[256], *p;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	for (p = path + strlen(tmp) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	cr_assert(mkdir(path, 0700) == 0 || errno == EEXIST, "%s", path);
}

/* Writes a file below tmp, in place. */
static void
put(const char *rel)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	cr_assert((f = fopen(path, "w")), "%s", path);
	fputs("x", f);
	fclose(f);
}

static void
remove_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	cr_assert_eq(system(cmd), 0);
}

static void
rm_below(const char *rel)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/%s", tmp, rel);
	cr_assert_eq(system(cmd), 0);
}

/* What bosun writes to stderr meanwhile, in a file. */
static int saved_stderr = -1;
static char stderr_file[64];

static void
capture_stderr(void)
{
	int fd;

	snprintf(stderr_file, sizeof(stderr_file), "/tmp/bosun-stderr-XXXXXX");
	cr_assert((fd = mkstemp(stderr_file)) >= 0);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static const char *
captured(void)
{
	static char buf[4096];
	ssize_t n;
	int fd;

	dup2(saved_stderr, 2);
	close(saved_stderr);
	cr_assert((fd = open(stderr_file, O_RDONLY)) >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(stderr_file);
	return buf;
}

static void
watch_tree(struct watch *w)
{
	char err[256] = "";

	cr_assert_eq(watch_open(w), 0);
	cr_assert_eq(watch_add_tree(w, tmp, err, sizeof(err)), 0, "%s", err);
}

Test(watch, a_tree_sees_a_change_deep_inside)
{
	char want[256], what[256];
	struct watch w;

	make_tmp();
	mkdirs("sites-enabled");
	mkdirs("a/b/c");
	watch_tree(&w);
	cr_assert_eq(w.dirs, 4, "sites-enabled, a, a/b, a/b/c");
	cr_assert_eq(changes(&w, what, sizeof(what)), 0);
	put("a/b/c/x.conf");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	snprintf(want, sizeof(want), "%s/a/b/c: changed (x.conf)", tmp);
	cr_assert_str_eq(what, want);
	put("sites-enabled/default");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	put("conf");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1, "its own entries");
	watch_close(&w);
	remove_tmp();
}

Test(watch, a_secret_directory_stays_flat)
{
	char what[256];
	struct watch w;

	make_tmp();
	mkdirs("sub");
	cr_assert_eq(watch_open(&w), 0);
	cr_assert_eq(watch_add(&w, tmp), 0);
	cr_assert_eq(w.dirs, 0);
	put("sub/x");
	cr_assert_eq(changes(&w, what, sizeof(what)), 0, "%s", what);
	put("conf");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	watch_close(&w);
	remove_tmp();
}

Test(watch, a_symbolic_link_to_a_directory_is_not_followed)
{
	char path[256], target[256], what[256];
	struct watch w;

	/* tmp/tree/out -> tmp/outside, tmp/tree/loop -> tmp/tree */
	make_tmp();
	mkdirs("outside/deeper");
	mkdirs("tree/real");
	snprintf(path, sizeof(path), "%s/tree/out", tmp);
	snprintf(target, sizeof(target), "%s/outside", tmp);
	cr_assert_eq(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/tree/loop", tmp);
	cr_assert_eq(symlink("..", path), 0);
	snprintf(path, sizeof(path), "%s/tree", tmp);
	cr_assert_eq(watch_open(&w), 0);
	cr_assert_eq(watch_add_tree(&w, path, what, sizeof(what)), 0);
	cr_assert_eq(w.dirs, 1, "only tree/real");
	put("outside/f");
	put("outside/deeper/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 0, "%s", what);
	put("tree/real/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	watch_close(&w);
	remove_tmp();
}

Test(watch, a_directory_made_later_is_watched_with_what_it_holds)
{
	char want[256], what[256];
	struct watch w;

	make_tmp();
	watch_tree(&w);
	/* made and filled before bosun reads the first event */
	mkdirs("a/b/c");
	put("a/b/c/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert_eq(w.dirs, 3);
	put("a/b/c/g");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1, "deep in the new one");
	snprintf(want, sizeof(want), "%s/a/b/c: changed (g)", tmp);
	cr_assert_str_eq(what, want);
	mkdirs("a/b/c/d");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	put("a/b/c/d/h");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert_eq(w.dirs, 4);
	watch_close(&w);
	remove_tmp();
}

Test(watch, an_event_for_a_new_directory_adds_its_watch)
{
	char buf[256], what[256] = "";
	struct watch w;
	size_t at = 0;
	int changed = 0;

	make_tmp();
	watch_tree(&w);
	mkdirs("new/deeper");
	cr_assert_eq(w.dirs, 0);
	event(buf, &at, w.v[0].wd, IN_CREATE | IN_ISDIR, "new");
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	cr_assert_eq(changed, 1);
	cr_assert_eq(w.dirs, 2, "new and new/deeper");
	cr_assert_eq(w.v[1].kind, WATCH_SUBDIR);
	cr_assert_str_eq(w.v[1].name, "new");
	cr_assert_eq(w.v[1].parent, 0);
	cr_assert_str_eq(w.v[2].name, "deeper");
	cr_assert_eq(w.v[2].parent, 1);
	/* the kernel's own event for it adds nothing twice */
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert_eq(w.dirs, 2);
	/* a file made, or a directory in a flat watch, adds nothing */
	at = 0;
	event(buf, &at, w.v[0].wd, IN_CREATE, "conf");
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	cr_assert_eq(w.dirs, 2);
	watch_close(&w);
	remove_tmp();
}

Test(watch, a_directory_event_in_a_flat_watch_adds_nothing)
{
	char buf[256], what[256] = "";
	struct watch w;
	size_t at = 0;
	int changed = 0;

	make_tmp();
	mkdirs("new");
	cr_assert_eq(watch_open(&w), 0);
	cr_assert_eq(watch_add(&w, tmp), 0);
	event(buf, &at, w.v[0].wd, IN_CREATE | IN_ISDIR, "new");
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	cr_assert_eq(changed, 1);
	cr_assert_eq(w.dirs, 0);
	cr_assert_eq(w.n, 1);
	watch_close(&w);
	remove_tmp();
}

Test(watch, a_removed_subdirectory_goes_without_a_warning)
{
	char what[256];
	struct watch w;

	make_tmp();
	mkdirs("a/b");
	mkdirs("keep");
	put("a/b/f");
	watch_tree(&w);
	cr_assert_eq(w.dirs, 3);
	capture_stderr();
	rm_below("a");
	rm_below("keep");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert_str_empty(captured(), "no warning for a subdirectory");
	cr_assert_eq(w.dirs, 0);
	cr_assert_eq(w.n, 1, "their items are gone");
	watch_close(&w);
	remove_tmp();
}

Test(watch, a_subdirectory_removed_while_the_top_stays)
{
	char what[256];
	struct watch w;

	make_tmp();
	mkdirs("a/b");
	mkdirs("keep/x");
	watch_tree(&w);
	capture_stderr();
	rm_below("a");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert_str_empty(captured());
	cr_assert_eq(w.dirs, 2, "keep and keep/x");
	cr_assert_eq(w.n, 3);
	put("keep/x/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1, "still watched");
	cr_assert(strstr(what, "/keep/x: changed (f)"), "%s", what);
	watch_close(&w);
	remove_tmp();
}

Test(watch, a_subdirectory_moved_away_is_no_longer_watched)
{
	char from[256], to[256], what[256];
	struct watch w;

	make_tmp();
	mkdirs("tree/sub/deeper");
	mkdirs("away");
	snprintf(from, sizeof(from), "%s/tree", tmp);
	cr_assert_eq(watch_open(&w), 0);
	cr_assert_eq(watch_add_tree(&w, from, what, sizeof(what)), 0);
	cr_assert_eq(w.dirs, 2);
	snprintf(from, sizeof(from), "%s/tree/sub", tmp);
	snprintf(to, sizeof(to), "%s/away/sub", tmp);
	capture_stderr();
	cr_assert_eq(rename(from, to), 0);
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert_eq(w.dirs, 0);
	put("away/sub/f");
	put("away/sub/deeper/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 0, "%s", what);
	cr_assert_str_empty(captured());
	/* and back: watched again, down to the bottom */
	cr_assert_eq(rename(to, from), 0);
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert_eq(w.dirs, 2);
	put("tree/sub/deeper/g");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert(strstr(what, "/tree/sub/deeper: changed (g)"), "%s", what);
	watch_close(&w);
	remove_tmp();
}

Test(watch, a_subdirectory_renamed_inside_is_watched_by_its_new_name)
{
	char from[256], to[256], what[256];
	struct watch w;

	make_tmp();
	mkdirs("old/deeper");
	watch_tree(&w);
	snprintf(from, sizeof(from), "%s/old", tmp);
	snprintf(to, sizeof(to), "%s/new", tmp);
	cr_assert_eq(rename(from, to), 0);
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert_eq(w.dirs, 2);
	put("new/deeper/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert(strstr(what, "/new/deeper: changed (f)"), "%s", what);
	watch_close(&w);
	remove_tmp();
}

Test(watch, more_directories_than_the_cap_fail_at_start)
{
	char err[512];
	struct watch w;

	make_tmp();
	mkdirs("a/b");
	mkdirs("c/d");
	cr_assert_eq(watch_open(&w), 0);
	cr_assert_eq(w.max_dirs, WATCH_DIRS_MAX);
	cr_assert_eq(WATCH_DIRS_MAX, 8192, "as documented");
	w.max_dirs = 3;
	cr_assert_eq(watch_add_tree(&w, tmp, err, sizeof(err)), -1);
	cr_assert(strstr(err, tmp), "names the path: %s", err);
	cr_assert(strstr(err, "more than 3 directories"), "%s", err);
	watch_close(&w);
	cr_assert_eq(watch_open(&w), 0);
	w.max_dirs = 4;
	cr_assert_eq(watch_add_tree(&w, tmp, err, sizeof(err)), 0, "%s", err);
	watch_close(&w);
	remove_tmp();
}

Test(watch, past_the_cap_while_running_is_one_warning)
{
	char what[256];
	const char *err;
	struct watch w;

	make_tmp();
	mkdirs("a");
	cr_assert_eq(watch_open(&w), 0);
	w.max_dirs = 2;
	cr_assert_eq(watch_add_tree(&w, tmp, what, sizeof(what)), 0);
	capture_stderr();
	mkdirs("b");
	mkdirs("c");
	mkdirs("d");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	err = captured();
	cr_assert(strstr(err, "more than 2 directories"), "%s", err);
	cr_assert_eq(strstr(err, "\n") + 1, err + strlen(err), "once: %s", err);
	cr_assert_eq(w.dirs, 2);
	put("b/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1, "b is watched");
	put("c/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 0, "c is not");
	watch_close(&w);
	remove_tmp();
}

Test(watch, a_dropped_subdirectory_is_silent_and_a_dropped_top_is_not)
{
	struct watch_item *items = calloc(2, sizeof(*items));
	struct watch w = { -1, items, 2 };
	char buf[256], what[128] = "";
	const char *err;
	size_t at = 0;
	int changed = 0;

	items[0] = (struct watch_item){ 1, WATCH_DIR, "/etc/nginx", NULL };
	items[0].tree = 1;
	items[1] = (struct watch_item){ 2, WATCH_SUBDIR, NULL, strdup("x") };
	items[1].parent = 0;
	w.dirs = 1;
	capture_stderr();
	event(buf, &at, 2, IN_IGNORED, NULL);
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	cr_assert_str_empty(captured());
	cr_assert_eq(w.n, 1);
	cr_assert_eq(w.dirs, 0);
	capture_stderr();
	at = 0;
	event(buf, &at, 1, IN_IGNORED, NULL);
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	err = captured();
	cr_assert(strstr(err, "/etc/nginx is no longer watched"), "%s", err);
	cr_assert_eq(changed, 0);
	free(items);
}

Test(watch, the_same_directory_twice_is_watched_once)
{
	char path[256], what[256];
	struct watch w;

	make_tmp();
	mkdirs("a/b");
	watch_tree(&w);
	snprintf(path, sizeof(path), "%s/a", tmp);
	cr_assert_eq(watch_add_tree(&w, path, what, sizeof(what)), 0);
	cr_assert_eq(watch_add_tree(&w, tmp, what, sizeof(what)), 0);
	cr_assert_eq(w.dirs, 2, "a/b is not counted twice");
	watch_close(&w);
	remove_tmp();
}

Test(watch, directories_that_come_and_go_leave_no_items_behind)
{
	char what[256];
	struct watch w;
	int i;

	make_tmp();
	mkdirs("keep");
	watch_tree(&w);
	for (i = 0; i < 50; i++) {
		mkdirs("a/b/c");
		mkdirs("keep/d");
		cr_assert_eq(changes(&w, what, sizeof(what)), 1);
		cr_assert_eq(w.dirs, 5, "round %d", i);
		rm_below("a");
		rm_below("keep/d");
		cr_assert_eq(changes(&w, what, sizeof(what)), 1);
		cr_assert_eq(w.dirs, 1, "round %d", i);
		cr_assert_eq(w.n, 2, "round %d: the top and keep", i);
	}
	put("keep/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	cr_assert(strstr(what, "/keep: changed (f)"), "%s", what);
	watch_close(&w);
	remove_tmp();
}

Test(watch, after_lost_events_the_trees_are_walked_again)
{
	char buf[256], what[256] = "";
	struct watch w;
	size_t at = 0;
	int changed = 0;

	make_tmp();
	mkdirs("a");
	watch_tree(&w);
	cr_assert_eq(w.dirs, 1);
	/* made while the queue overflowed: its event is lost */
	mkdirs("a/new/deeper");
	event(buf, &at, -1, IN_Q_OVERFLOW, NULL);
	watch_events(&w, buf, at, what, sizeof(what), &changed);
	cr_assert_eq(changed, 1);
	cr_assert_str_eq(what, "inotify: changed (events lost)");
	cr_assert_eq(w.dirs, 3, "a/new and a/new/deeper found by a new walk");
	changes(&w, what, sizeof(what));
	cr_assert_eq(w.dirs, 3, "none twice");
	put("a/new/deeper/f");
	cr_assert_eq(changes(&w, what, sizeof(what)), 1);
	watch_close(&w);
	remove_tmp();
}
