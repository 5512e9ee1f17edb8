/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_EXITCODES_H
#define BOSUN_EXITCODES_H

/* bosun's own exit codes, as in env(1) and the shells; never remapped. */
#define EXIT_BOSUN 125       /* failed before the command could run */
#define EXIT_CANNOT_EXEC 126 /* the command cannot be executed */
#define EXIT_NOT_FOUND 127   /* the command was not found */

/*
 * make coverage only: gcov writes its counts at exit(3), so a child or
 * the start-up handler that leaves by _exit or execve writes them first.
 * Nothing at all in a normal build.
 */
#ifdef BOSUN_COVERAGE
void __gcov_dump(void);
#define exit_flush_coverage() __gcov_dump()
#else
#define exit_flush_coverage() ((void)0)
#endif

#endif
