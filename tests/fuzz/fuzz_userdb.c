// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: /etc/passwd and /etc/group parsing. The input is a
 * passwd file, a NUL, a group file, a NUL and a USER[:GROUP] spec.
 * Whatever is accepted must never be (uid_t)-1 and must have a group.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 3), *grp, *spec, err[256] = "";
	FILE *pw, *gr;
	struct ident id;
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = buf[size + 2] = '\0';
	grp = buf + strlen(buf) + 1;
	spec = grp + strlen(grp) + 1;
	if (spec > buf + size)
		spec = buf + size;
	pw = fmemopen(buf, strlen(buf), "r");
	gr = fmemopen(grp, strlen(grp), "r");
	r = userdb_resolve(*spec ? spec : "root", strlen(buf) ? pw : NULL,
	    strlen(grp) ? gr : NULL, &id, err, sizeof(err));
	if (r == 0 && (id.uid == (uid_t)-1 || id.gid == (gid_t)-1 ||
			  id.ngroups == 0 || id.ngroups > USERDB_MAX_GROUPS))
		abort();
	if (r < 0 && err[0] == '\0')
		abort();
	if (pw)
		fclose(pw);
	if (gr)
		fclose(gr);
	free(buf);
	return 0;
}
