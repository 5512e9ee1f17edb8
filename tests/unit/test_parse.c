// SPDX-License-Identifier: MIT
/* parse: numbers, comma lists, and name patterns as fnmatch reads them. */
#include <criterion/criterion.h>
#include <fnmatch.h>
#include <string.h>

#include "parse.h"

Test(parse, numbers_fill_the_string_and_stay_in_range)
{
	unsigned long long v;

	cr_assert_eq(parse_number("0", 255, &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse_number("00255", 255, &v), 0, "leading zeros");
	cr_assert_eq(v, 255);
	cr_assert_eq(parse_number("256", 255, &v), -1);
	cr_assert_eq(parse_number("", 255, &v), -1);
	cr_assert_eq(parse_number("-1", 255, &v), -1);
	cr_assert_eq(parse_number("1 ", 255, &v), -1);
	cr_assert_eq(parse_number("99999999999999999999999", 4294967294ULL, &v),
	    -1, "no overflow");
}

Test(parse, digits_leave_the_rest)
{
	unsigned long long v;
	const char *end;

	cr_assert_eq(parse_digits("250ms", 1000, &v, &end), 0);
	cr_assert_eq(v, 250);
	cr_assert_str_eq(end, "ms");
	cr_assert_eq(parse_digits("ms", 1000, &v, &end), -1);
}

Test(parse, lists_give_every_item_empty_ones_too)
{
	const char *cursor = "a,,bc,", *item, *want[] = { "a", "", "bc", "" };
	char buf[4];
	size_t n, k = 0;

	while (parse_list_next(&cursor, &item, &n)) {
		cr_assert_lt(k, 4);
		cr_assert_eq(parse_list_copy(item, n, buf, sizeof(buf)), 0);
		cr_assert_str_eq(buf, want[k++]);
	}
	cr_assert_eq(k, 4);
	cr_assert_eq(parse_list_copy("abcd", 4, buf, sizeof(buf)), -1);
}

/* The matcher agrees with fnmatch(3) on every pattern --file-env takes. */
Test(parse, glob_agrees_with_fnmatch)
{
	const char *pats[] = { "*", "A", "A*", "*A", "*_*", "A?C", "??",
		"[AB]", "[AB]*", "[!AB]*", "[^AB]?", "[A-C]_X", "[a-z0-9]*",
		"POSTGRES_*", "*_PASSWORD", "DB_[PU]*", "*A*B*", "[-A]*",
		"[A-]", "[", "A[", "[!]", "**", "*?", "?*?", "[Z-A]" };
	const char *names[] = { "A", "B", "C", "AB", "ABC", "A_X", "B_X",
		"D_X", "a_X", "POSTGRES_PASSWORD", "POSTGRES_USER", "DB_USER",
		"DB_PASS", "DB_HOST", "XAYBZ", "BA", "_", "-", "A[", "Z", "AAB",
		"x9", "9x" };
	size_t i, k;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			cr_assert_eq(parse_glob(pats[i], names[k]),
			    fnmatch(pats[i], names[k], 0) == 0, "%s ~ %s",
			    pats[i], names[k]);
}

Test(parse, glob_star_is_not_exponential)
{
	char name[4097];

	memset(name, 'A', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_assert_not(parse_glob("*A*A*A*A*A*A*A*A*A*A*A*B", name));
}
