/* SPDX-License-Identifier: MIT */
#ifndef BOSUN_EXITCODES_H
#define BOSUN_EXITCODES_H

/* bosun's own exit codes, as docker run and chroot(1) use them */
#define EXIT_BOSUN 125       /* bosun failed before the command ran */
#define EXIT_CANNOT_EXEC 126 /* the command cannot be executed */
#define EXIT_NOT_FOUND 127   /* the command was not found */

#endif
