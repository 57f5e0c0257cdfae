#include "heap_allocator.h"

#include <stdio.h>

/* In the order they are tried: allocators that replace malloc first, then
 * the C libraries' own. musl exports its dynamic linker's stages (__dls3)
 * and, statically linked with symbols, mallocng's context. */
static const struct {
    const char *symbol;
    enum heap_allocator_kind kind;
    const char *name;
} evidence[] = {
    { "mallctl", HEAP_ALLOC_JEMALLOC, "jemalloc" },
    { "je_mallctl", HEAP_ALLOC_JEMALLOC, "jemalloc" },
    { "tc_malloc", HEAP_ALLOC_TCMALLOC, "tcmalloc" },
    { "mi_malloc", HEAP_ALLOC_MIMALLOC, "mimalloc" },
    { "__dls3", HEAP_ALLOC_MUSL, "musl" },
    { "__malloc_context", HEAP_ALLOC_MUSL, "musl" },
    { "gnu_get_libc_version", HEAP_ALLOC_GLIBC, "glibc" },
    { "malloc_trim", HEAP_ALLOC_GLIBC, "glibc" },
};

void heap_allocator_identify(const struct mem_reader *m, struct heap_allocator *out)
{
    *out = (struct heap_allocator){ HEAP_ALLOC_UNKNOWN, "unknown", NULL, 0 };
    for (size_t i = 0; i < sizeof evidence / sizeof evidence[0]; i++) {
        uint64_t a;
        if (mem_symbol(m, evidence[i].symbol, &a)) {
            *out = (struct heap_allocator){ evidence[i].kind, evidence[i].name,
                                            evidence[i].symbol, a };
            return;
        }
    }
}

const char *heap_allocator_said(const struct heap_allocator *a, char *buf, size_t len)
{
    if (a->symbol)
        snprintf(buf, len, "%s's (%s is defined at 0x%llx)", a->name, a->symbol,
                 (unsigned long long)a->symbol_addr);
    else
        snprintf(buf, len, "of an unknown allocator (no glibc, musl, jemalloc, tcmalloc or "
                 "mimalloc symbol found)");
    return buf;
}
