/* Which malloc a process uses, from the symbols its objects define: a
 * heap source is chosen by it, and an allocator no source reads is named
 * instead of being read as glibc's (jemalloc's memory read as glibc
 * chunks gave pools of 7,500,320 TiB). */
#ifndef NGXMEM_HEAP_ALLOCATOR_H
#define NGXMEM_HEAP_ALLOCATOR_H

#include "mem_reader.h"

enum heap_allocator_kind {
    HEAP_ALLOC_UNKNOWN, HEAP_ALLOC_GLIBC, HEAP_ALLOC_MUSL, HEAP_ALLOC_JEMALLOC,
    HEAP_ALLOC_TCMALLOC, HEAP_ALLOC_MIMALLOC,
};

struct heap_allocator {
    enum heap_allocator_kind kind;
    const char *name;            /* JSON identifier: "glibc", "musl", "jemalloc", ... */
    const char *symbol;          /* the evidence: defined here (NULL: none) */
    uint64_t symbol_addr;
};

/* The allocator whose malloc the process calls. An allocator linked or
 * preloaded beside glibc wins over it (glibc's arenas then stay empty). */
void heap_allocator_identify(const struct mem_reader *m, struct heap_allocator *out);

/* "jemalloc's (mallctl is defined at 0x7f...)": for messages. */
const char *heap_allocator_said(const struct heap_allocator *a, char *buf, size_t len);

#endif
