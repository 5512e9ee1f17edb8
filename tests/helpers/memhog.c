// SPDX-License-Identifier: MIT
/*
 * memhog [MIB]: allocates memory 1 MiB at a time and touches every page,
 * until the OOM killer ends it (or MIB are held: then it sleeps). Prints
 * its progress every 8 MiB, so a test can see it grow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1L << 20)

int
main(int argc, char **argv)
{
	long max = argc > 1 ? atol(argv[1]) : 0, i;
	char *p;

	for (i = 0; max == 0 || i < max; i++) {
		if (!(p = malloc(CHUNK))) {
			perror("memhog");
			return 1;
		}
		memset(p, 0x5a, CHUNK);
		if (i % 8 == 0) {
			printf("memhog: %ld MiB\n", i);
			fflush(stdout);
		}
	}
	for (;;)
		pause();
}
