// SPDX-License-Identifier: MIT
/*
 * parse: the shapes bosun's values are made of: decimal numbers,
 * comma-separated lists, and shell patterns of variable names. Pure: no
 * allocation, no errno.
 */
#include <string.h>

#include "parse.h"

/*
 * The decimal digits at s (at least one, no sign, no space), as a number
 * of at most max; *end is what follows them. Returns 0, or -1.
 */
int
parse_digits(const char *s, unsigned long long max, unsigned long long *v,
    const char **end)
{
	unsigned long long n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (unsigned)(*s - '0')) > max)
			return -1;
	*v = n;
	*end = s;
	return 0;
}

/* A decimal number 0..max filling the whole string. Returns 0, or -1. */
int
parse_number(const char *s, unsigned long long max, unsigned long long *v)
{
	const char *end;

	return parse_digits(s, max, v, &end) < 0 || *end ? -1 : 0;
}

/*
 * The next item of a comma-separated list, empty ones included: "a,,b,"
 * gives "a", "", "b" and "". *cursor starts at the list. Returns 1 with
 * the item's n bytes at *item, 0 when the list is done.
 */
int
parse_list_next(const char **cursor, const char **item, size_t *n)
{
	const char *end;

	if (!*cursor)
		return 0;
	*item = *cursor;
	end = strchrnul(*item, ',');
	*n = end - *item;
	*cursor = *end ? end + 1 : NULL;
	return 1;
}

/* The n bytes at item as a string in buf. Returns 0, or -1 if too long. */
int
parse_list_copy(const char *item, size_t n, char *buf, size_t size)
{
	if (n >= size)
		return -1;
	memcpy(buf, item, n);
	buf[n] = '\0';
	return 0;
}

/*
 * One bracket expression, p just past its '[', against c: 1 if it
 * matches, 0 if not, -1 if it is not closed (then '[' is itself).
 * "!" or "^" first negates, "a-z" is a range, a ']' first is literal.
 */
static int
bracket(const char *p, char c, const char **end)
{
	const char *start;
	int neg = 0, hit = 0;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	for (start = p; *p && (*p != ']' || p == start); p++) {
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hit |= p[0] <= c && c <= p[2];
			p += 2;
		} else {
			hit |= *p == c;
		}
	}
	if (*p != ']')
		return -1;
	*end = p + 1;
	return hit != neg;
}

/*
 * Whether name matches pattern, as fnmatch(pattern, name, 0) says for
 * the patterns --file-env takes (name characters, '*', '?', brackets):
 * a matcher of bosun's own, because musl's fnmatch brings its wide
 * character tables into the static binary. One '*' is backtracked to at
 * a time, so the cost is O(pattern x name), never exponential.
 */
int
parse_glob(const char *pattern, const char *name)
{
	const char *p = pattern, *s = name, *star = NULL, *resume = NULL;
	const char *end;
	int r;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			resume = s;
			continue;
		}
		if (*p == '?') {
			p++;
			s++;
			continue;
		}
		r = *p == '[' ? bracket(p + 1, *s, &end) : -1;
		if (r == 1) {
			p = end;
			s++;
			continue;
		}
		if (r < 0 && *p && *p == *s) {
			p++;
			s++;
			continue;
		}
		if (!star)
			return 0;
		p = star;
		s = ++resume;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
