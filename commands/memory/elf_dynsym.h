/* The dynamic symbols of a process's loaded objects, read from its
 * memory the way the dynamic linker finds them: the executable's program
 * headers (from the auxiliary vector's AT_PHDR) lead to DT_DEBUG, r_debug
 * and the link_map list; each object's GNU hash table answers a name in
 * a few small reads. GDB's own lookup of a name with no debug info
 * searches every debug-info index first (~4 ms a name with libc's). */
#ifndef NGXMEM_ELF_DYNSYM_H
#define NGXMEM_ELF_DYNSYM_H

#include "mem_reader.h"

enum { DYNSYM_MAX_OBJECTS = 128 };

struct dynsym_object {
    uint64_t bias;                        /* link_map's l_addr */
    uint64_t symtab, strtab, strsz, gnu_hash, versym;   /* run-time addresses */
};

struct dynsym_table {
    struct dynsym_object objects[DYNSYM_MAX_OBJECTS];
    int n;
};

/* The objects of the link_map list, executable first (the linker's search
 * order), from the executable's program headers at PHDR (PHNUM of them).
 * False when there is no list to follow (a static executable, a corrupt
 * header): callers fall back to another symbol source. */
bool dynsym_table_load(const struct mem_reader *m, uint64_t phdr, uint64_t phnum,
                       struct dynsym_table *t);

/* The address of the first object's definition of NAME (a global or weak
 * function or object, not thread-local, not a hidden version). */
bool dynsym_lookup(const struct mem_reader *m, const struct dynsym_table *t, const char *name,
                   uint64_t *addr);

#endif
