/* Finds the GDB internals (gdb_internals[]) inside the running GDB. */
#ifndef NGXMEM_RESOLVER_H
#define NGXMEM_RESOLVER_H

#include "elf_image.h"

#include <stdint.h>

enum resolver_mode { RESOLVE_AUTO, RESOLVE_SYMBOLS, RESOLVE_ANCHORS };

struct resolver_report {
    enum resolver_mode mode;
    char exe[512];
    char build_id[41];
    char symbols_from[720];  /* symbol table used, or why none */
    char version[48];        /* "13.1" */
    char pkgversion[64];     /* "(Debian 13.1-3) " */
    int major, minor;
    uint64_t bias;           /* runtime address = file address + bias */
    char missing[256];       /* comma-separated names, "" if complete */
    char optional_missing[128]; /* the same for GI_REQUIRED_COUNT.. */
    char failure[640];       /* why resolution could not even start */
    char cache[1400];        /* the resolution cache: loaded, written, off */
};

/* Resolve every internal in IMG (a GDB executable) into gdb_internals[]
 * as file addresses, then verify the whole set: a candidate that does not
 * have the shape of its internal, or that two internals share, is
 * rejected. R->mode must be set. Returns the number of required
 * internals missing or rejected (optional ones are listed apart).
 * Environment (for tests):
 *   NGXMEM_DEBUG_FILE_DIRECTORY=DIR     instead of /usr/lib/debug
 *   NGXMEM_RESOLVER_FAIL=NAME           pretend NAME was not found
 *   NGXMEM_RESOLVER_WRONG=NAME          take the function after NAME's
 *                                       instead (verification must refuse)
 */
int resolver_resolve_image(const struct elf_image *img,
                           struct resolver_report *r);

/* The running GDB: resolve /proc/self/exe and relocate the results.
 * NGXMEM_RESOLVER=auto|symbols|anchors chooses the routes. Returns the
 * number of internals not found, or -1 when GDB's executable could not
 * be read at all. */
int resolver_run(struct resolver_report *r);

enum resolver_mode resolver_mode_from_env(void);
const char *resolver_mode_name(enum resolver_mode m);

#endif
