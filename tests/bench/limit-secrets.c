// SPDX-License-Identifier: MIT
/*
 * limit-secrets KIND [ARG...] -- CMD [ARG...]: the least work that puts N
 * secrets into a command's environment, then execs it:
 *   dir DIR          each file in DIR is NAME=its content (openat, read,
 *                    close: three system calls per file)
 *   envfile FILE     NAME=VALUE lines of FILE (one open, read, close)
 *   fileenv          NAME from the file at NAME_FILE, for each NAME_FILE
 *                    in its own environment
 *   envref N=V...    N from the variable V, looked up in a hash table
 * Variables are appended, never merged, and nothing is checked: a floor
 * to measure bosun against, not a tool. Values end at their first newline.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;
static char **env;
static size_t nenv;

static void
add(const char *name, size_t nlen, const char *val, size_t vlen)
{
	char *s = malloc(nlen + vlen + 2);

	memcpy(s, name, nlen);
	s[nlen] = '=';
	memcpy(s + nlen + 1, val, vlen);
	s[nlen + 1 + vlen] = '\0';
	env[nenv++] = s;
}

/* NAME=first line of the file at PATH (relative to DFD) */
static void
file(int dfd, const char *path, const char *name, size_t nlen)
{
	char buf[4096];
	ssize_t n;
	char *nl;
	int fd;

	if ((fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		exit(125);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		exit(125);
	nl = memchr(buf, '\n', (size_t)n);
	add(name, nlen, buf, nl ? (size_t)(nl - buf) : (size_t)n);
}

static size_t
hash(const char *s, size_t n)
{
	size_t h = 5381;

	while (n--)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

int
main(int argc, char **argv)
{
	size_t max = 0, i, mask, h, len;
	char **cmd, **tab, *p, *e, *buf;
	struct dirent *de;
	struct stat st;
	int dfd, a;
	DIR *d;

	for (cmd = argv; *cmd && strcmp(*cmd, "--") != 0; cmd++)
		;
	if (argc < 2 || !*cmd || !cmd[1])
		return 2;
	cmd++;
	while (environ[max])
		max++;
	i = max;
	if (strcmp(argv[1], "envfile") == 0) {
		if ((dfd = open(argv[2], O_RDONLY | O_CLOEXEC)) < 0 ||
		    fstat(dfd, &st) < 0)
			return 125;
		buf = malloc((size_t)st.st_size + 1);
		if (read(dfd, buf, (size_t)st.st_size) != st.st_size)
			return 125;
		close(dfd);
		buf[st.st_size] = '\0';
		for (p = buf; *p; p++)
			max += *p == '\n';
		env = malloc((max + 2) * sizeof(*env));
		memcpy(env, environ, i * sizeof(*env));
		nenv = i;
		for (p = buf; (e = strchr(p, '\n')) != NULL; p = e + 1) {
			*e = '\0';
			if (*p && *p != '#' && strchr(p, '='))
				env[nenv++] = p;
		}
	} else if (strcmp(argv[1], "dir") == 0) {
		if ((d = opendir(argv[2])) == NULL)
			return 125;
		dfd = dirfd(d);
		env = malloc((max + 1) * sizeof(*env));
		memcpy(env, environ, i * sizeof(*env));
		nenv = i;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (nenv + 1 >= max) {
				max = max * 2 + 16;
				env = realloc(env, (max + 1) * sizeof(*env));
			}
			file(dfd, de->d_name, de->d_name, strlen(de->d_name));
		}
	} else if (strcmp(argv[1], "fileenv") == 0) {
		env = malloc((2 * max + 1) * sizeof(*env));
		memcpy(env, environ, i * sizeof(*env));
		nenv = i;
		for (i = 0; environ[i]; i++) {
			p = environ[i];
			e = strchr(p, '=');
			if (e && e - p > 5 && memcmp(e - 5, "_FILE", 5) == 0)
				file(AT_FDCWD, e + 1, p, (size_t)(e - 5 - p));
		}
	} else if (strcmp(argv[1], "envref") == 0) {
		for (mask = 1; mask < 2 * max; mask <<= 1)
			;
		tab = calloc(mask--, sizeof(*tab));
		for (i = 0; environ[i]; i++) {
			len = strcspn(environ[i], "=");
			for (h = hash(environ[i], len) & mask; tab[h];
			     h = (h + 1) & mask)
				;
			tab[h] = environ[i];
		}
		env = malloc((max + (size_t)argc + 1) * sizeof(*env));
		memcpy(env, environ, max * sizeof(*env));
		nenv = max;
		for (a = 2; argv[a] != cmd[-1]; a++) {
			e = strchr(argv[a], '=');
			len = strlen(e + 1);
			for (h = hash(e + 1, len) & mask; tab[h];
			     h = (h + 1) & mask)
				if (strncmp(tab[h], e + 1, len) == 0 &&
				    tab[h][len] == '=')
					break;
			if (!tab[h])
				return 125;
			add(argv[a], (size_t)(e - argv[a]), tab[h] + len + 1,
			    strlen(tab[h] + len + 1));
		}
	} else {
		return 2;
	}
	env[nenv] = NULL;
	execve(cmd[0], cmd, env);
	dprintf(2, "limit-secrets: cannot run %s\n", cmd[0]);
	return 127;
}
