// SPDX-License-Identifier: MIT
/* privdrop: capability lists. */
#include <criterion/criterion.h>
#include <linux/capability.h>
#include <string.h>

#include "privdrop.h"

static char err[256];

Test(caps, names_with_or_without_cap_in_any_case)
{
	uint64_t c = 0;

	cr_assert_eq(privdrop_parse_caps("net_bind_service", &c, err, sizeof(err)), 0);
	cr_assert_eq(c, 1ULL << CAP_NET_BIND_SERVICE);
	c = 0;
	cr_assert_eq(privdrop_parse_caps("CAP_CHOWN,Net_Admin,cap_sys_ptrace", &c,
			 err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(c, (1ULL << CAP_CHOWN) | (1ULL << CAP_NET_ADMIN) |
			(1ULL << CAP_SYS_PTRACE));
}

Test(caps, empty_items_are_ignored_and_lists_accumulate)
{
	uint64_t c = 1ULL << CAP_KILL;

	cr_assert_eq(privdrop_parse_caps(",chown,,", &c, err, sizeof(err)), 0);
	cr_assert_eq(c, (1ULL << CAP_KILL) | (1ULL << CAP_CHOWN));
	cr_assert_eq(privdrop_parse_caps("", &c, err, sizeof(err)), 0);
}

Test(caps, unknown_names_are_errors)
{
	uint64_t c = 0;
	const char *bad[] = { "bogus", "net_bind_service,nope", "cap_", "7",
		"cap_7", "all", "net bind service",
		"a_very_long_capability_name_that_cannot_exist_anywhere_at_all" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(privdrop_parse_caps(bad[i], &c, err, sizeof(err)), -1,
		    "%s", bad[i]);
		cr_assert(strstr(err, "unknown capability"), "%s", err);
	}
}
