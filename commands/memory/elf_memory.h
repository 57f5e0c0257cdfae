/* An ELF object mapped in the inferior, read through a mem_reader:
 * finding its base from an address inside it, and its segments. */
#ifndef NGXMEM_ELF_MEMORY_H
#define NGXMEM_ELF_MEMORY_H

#include "mem_reader.h"

enum { ELF_MEMORY_MAX_LOADS = 8 };

struct elf_memory {
    uint64_t base;               /* load bias + lowest vaddr (page 0) */
    struct { uint64_t addr, size; bool writable, exec; } loads[ELF_MEMORY_MAX_LOADS];
    int nloads;
};

/* Scan down from ADDR (bounded) for the ELF header of the object
 * containing it, then read its PT_LOAD segments. */
bool elf_memory_from_address(const struct mem_reader *m, uint64_t addr,
                             struct elf_memory *out);

/* First occurrence of NEEDLE in the object's data segments (read-only
 * and writable: nginx keeps its "Server: nginx/..." string in .data). */
bool elf_memory_find(const struct mem_reader *m, const struct elf_memory *e,
                     const void *needle, size_t len, uint64_t *at);

#endif
