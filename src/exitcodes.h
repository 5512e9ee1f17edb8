/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_EXITCODES_H
#define BOSUN_EXITCODES_H

/* bosun's own exit codes, as in env(1) and the shells; never remapped. */
#define EXIT_BOSUN 125       /* failed before the command could run */
#define EXIT_CANNOT_EXEC 126 /* the command cannot be executed */
#define EXIT_NOT_FOUND 127   /* the command was not found */

#endif
