/* Verification of resolved candidates before anything of them is called:
 * a wrong address must be rejected, whichever route produced it. */
#ifndef NGXMEM_CANDIDATE_CHECK_H
#define NGXMEM_CANDIDATE_CHECK_H

#include "elf_image.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Count the direct calls and jumps (E8/E9 rel32) in .text aimed at each of
 * the N file addresses in TARGETS, in one pass. */
void count_direct_callers(const struct elf_image *img, const uint64_t *targets,
                          size_t n, unsigned *counts);

/* Does the function at file address A have the shape of GDB internal ID
 * (enum gdb_internal_id; VARIANT as in gdb_internal.variant), given how
 * many direct callers it has? On false, WHY says what did not fit. */
bool candidate_check(const struct elf_image *img, int id, int variant,
                     uint64_t a, unsigned callers, char *why, size_t n);

#endif
