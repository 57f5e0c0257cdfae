/* Mangled names of the GDB internals, per GDB version, for resolution
 * through a symbol table (GDB's own .symtab or its build-id debug file). */
#ifndef NGXMEM_SYMBOL_NAMES_H
#define NGXMEM_SYMBOL_NAMES_H

#include <stddef.h>

struct symbol_name {
    int target;              /* enum gdb_internal_id */
    int gdb_min, gdb_max;
    const char *mangled;
};

extern const struct symbol_name symbol_names[];
extern const size_t symbol_names_len;

#endif
