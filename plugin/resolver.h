/* Finds the GDB internals (gdb_internals[]) inside the running GDB. */
#ifndef NGXMEM_RESOLVER_H
#define NGXMEM_RESOLVER_H

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
    char failure[640];       /* why resolution could not even start */
};

/* Fill gdb_internals[]; returns the number of internals not found
 * (or -1 when GDB's executable could not be read at all). Environment:
 *   NGXMEM_RESOLVER=auto|symbols|anchors   which routes to use
 *   NGXMEM_DEBUG_FILE_DIRECTORY=DIR         instead of /usr/lib/debug
 *   NGXMEM_RESOLVER_FAIL=NAME               pretend NAME was not found
 */
int resolver_run(struct resolver_report *r);

const char *resolver_mode_name(enum resolver_mode m);

#endif
