/* Mangled names of the GDB internals, per GDB version, for resolution
 * through a symbol table (GDB's own .symtab, its build-id debug file,
 * its MiniDebugInfo or a debuginfod server). */
#ifndef NGXMEM_SYMBOL_NAMES_H
#define NGXMEM_SYMBOL_NAMES_H

#include <stddef.h>

struct symbol_name {
    int target;              /* enum gdb_internal_id */
    int gdb_min, gdb_max;
    int variant;             /* GI_STDERR: enum stream_form */
    const char *mangled;
};

extern const struct symbol_name symbol_names[];
extern const size_t symbol_names_len;

#endif
