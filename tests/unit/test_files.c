// SPDX-License-Identifier: MIT
/* files: whole-file reads within a limit, directory listings. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

static char dir[] = "/tmp/bosun-files-XXXXXX";
static char path[300];

static const char *
put(const char *name, size_t size)
{
	char *data = malloc(size);
	int fd;

	memset(data, 'x', size);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0 && write(fd, data, size) == (ssize_t)size);
	close(fd);
	free(data);
	return path;
}

Test(files, a_file_larger_than_one_buffer_is_read_whole)
{
	char *buf;
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(files_read(put("f", 10000), 10000, &buf, &n), 0);
	cr_assert_eq(n, 10000);
	cr_assert_eq(buf[9999], 'x');
	free(buf);
	cr_assert_null(files_reading, "nothing is being read");
}

Test(files, one_byte_over_the_limit_is_efbig)
{
	char *buf;
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(files_read(put("f", 4097), 4096, &buf, &n), -1);
	cr_assert_eq(errno, EFBIG);
	cr_assert_eq(files_read(put("g", 9000), 8999, &buf, &n), -1);
	cr_assert_eq(errno, EFBIG);
}

Test(files, directories_and_missing_files_are_errors)
{
	char *buf;
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(files_read(dir, 100, &buf, &n), -1);
	cr_assert_eq(errno, EISDIR);
	snprintf(path, sizeof(path), "%s/none", dir);
	cr_assert_eq(files_read(path, 100, &buf, &n), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(files_read("/dev/null", 100, &buf, &n), -1);
	cr_assert_eq(errno, EINVAL, "not a regular file");
}

Test(files, a_failed_fstat_says_its_own_error)
{
	char *buf;
	size_t n;

	/* fstat fails: its errno, not a guess from an unset st_mode */
	cr_assert_eq(files_read_fd(-1, 100, &buf, &n), -1);
	cr_assert_eq(errno, EBADF);
}

Test(files, listings_are_sorted_and_leave_dot_names_out_as_asked)
{
	char **names;
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	put("b", 1);
	put("a", 1);
	put(".hidden", 1);
	put("..data", 1);
	cr_assert_eq(files_list_dir(dir, 0, &names, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(names[0], ".hidden");
	cr_assert_str_eq(names[1], "a");
	cr_assert_str_eq(names[2], "b");
	files_free_list(names, n);
	cr_assert_eq(files_list_dir(dir, 1, &names, &n), 0);
	cr_assert_eq(n, 2);
	files_free_list(names, n);
	snprintf(path, sizeof(path), "%s/none", dir);
	cr_assert_eq(files_list_dir(path, 0, &names, &n), -1);
	cr_assert_eq(errno, ENOENT);
}

Test(files, join_makes_dir_slash_name_and_cuts_what_does_not_fit)
{
	char buf[8];

	files_join(buf, sizeof(buf), "/run", "ab");
	cr_assert_str_eq(buf, "/run/ab");
	files_join(buf, sizeof(buf), "/run", "abc");
	cr_assert_str_eq(buf, "/run/ab", "cut, and terminated");
	files_join(buf, sizeof(buf), "/run/secrets", "x");
	cr_assert_str_eq(buf, "/run/se");
	files_join(buf, sizeof(buf), "/run", NULL);
	cr_assert_str_eq(buf, "/run");
	files_join(buf, 6, "/run/", "x");
	cr_assert_str_eq(buf, "/run/", "no room for the slash and name");
}
