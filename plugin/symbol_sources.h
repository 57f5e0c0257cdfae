/* Where GDB's symbol table comes from when its executable is stripped,
 * tried in the order GDB itself looks: a build-id debug file under the
 * debug directory, the MiniDebugInfo inside the executable (Fedora, RHEL,
 * CentOS: .gnu_debugdata, an xz-compressed ELF with the function symbols),
 * then a debuginfod server when DEBUGINFOD_URLS is set. */
#ifndef NGXMEM_SYMBOL_SOURCES_H
#define NGXMEM_SYMBOL_SOURCES_H

#include "elf_image.h"

#include <stddef.h>

/* Open into DBG the first source that has symbols for IMG. Returns 0,
 * the route's short name in *ROUTE ("MiniDebugInfo") and the whole story
 * in FROM ("MiniDebugInfo (.gnu_debugdata of /usr/bin/gdb)"), or -1 and
 * says in FROM what was tried. Environment:
 *   NGXMEM_DEBUG_FILE_DIRECTORY=DIR   instead of /usr/lib/debug (tests)
 *   DEBUGINFOD_URLS                   as for GDB and every elfutils tool */
int symbol_source_open(const struct elf_image *img, struct elf_image *dbg,
                       const char **route, char *from, size_t fromlen);

#endif
