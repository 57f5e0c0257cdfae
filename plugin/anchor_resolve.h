#ifndef NGXMEM_ANCHOR_RESOLVE_H
#define NGXMEM_ANCHOR_RESOLVE_H

#include "anchor_table.h"
#include "elf_image.h"

#include <stdbool.h>
#include <stdint.h>

/* Result of applying the anchor rows for one target. */
struct anchor_result {
    uint64_t value;          /* file (link-time) address; 0: not found */
    int sites;               /* reference sites that produced this value */
    int variant;             /* RULE_STREAM_PRINT for GI_STDERR: stream_form */
    uint64_t site;           /* the first site's lea (file address) */
    char detail[200];        /* what was found, or why nothing was */
};

/* Apply every row of anchor_table for TARGET that fits GDB_MAJOR
 * (0 = unknown: only the rows that hold for any version). All results
 * must agree. */
bool anchor_resolve(const struct elf_image *img, int target, int gdb_major,
                    struct anchor_result *out);

/* Does the lea at SITE load an anchor string of TARGET's rows (for
 * GDB_MAJOR) and does that row's rule, applied there, give VALUE (and
 * VARIANT)? One site's worth of anchor_resolve: how a cached result is
 * confirmed without the scan. */
bool anchor_confirm(const struct elf_image *img, int target, int gdb_major, uint64_t site,
                    uint64_t value, int variant);

#endif
