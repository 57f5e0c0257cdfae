/* LuaJIT's own allocator (lj_alloc.c, a cut-down dlmalloc 2.8) as a heap:
 * its segments walked chunk by chunk - in use, free (by size), the top
 * chunk, the segments' own records - and what of the free memory could
 * go back to the kernel (the whole pages inside free chunks: LuaJIT never
 * gives them back itself, it unmaps only wholly free segments). The
 * glibc-free-chunks of LuaJIT. Analysis only: memory through a mem_reader. */
#ifndef NGXMEM_LUA_ALLOC_H
#define NGXMEM_LUA_ALLOC_H

#include "nginx_lua.h"

/* free chunks by size: 32-63 B, 64-127 B, ... 1 MiB and more */
enum { LUA_ALLOC_SIZE_CLASSES = 16, LUA_ALLOC_MIN_CLASS = 32 };

struct lua_alloc_class {
    uint64_t count, bytes;
};

struct lua_alloc_stats {
    uint64_t segment_count, segment_bytes;
    uint64_t in_use_count, in_use_bytes;     /* chunks, their sizes (headers in) */
    uint64_t free_count, free_bytes;         /* free chunks, the top not among them */
    uint64_t largest_free_bytes;
    uint64_t top_bytes;                      /* the top chunk: where new chunks are cut */
    uint64_t dv_bytes;                       /* the chunk last split (one of the free) */
    uint64_t overhead_bytes;                 /* segment records and fenceposts */
    uint64_t returnable_bytes;               /* whole pages inside free chunks and the top */
    struct lua_alloc_class free_by_size[LUA_ALLOC_SIZE_CLASSES];
    /* a chunk that did not check out (a size beyond its segment, a bad
     * alignment): that segment's walk stopped there; "" none */
    char inconsistency[160];
};

/* The smallest size of free-size class I */
static inline uint64_t lua_alloc_class_from(int i)
{
    return (uint64_t)LUA_ALLOC_MIN_CLASS << i;
}

/* Walk VM's allocator into S. False + ERR when it is not LuaJIT's own
 * allocator (nginx_lua_segments says why). */
bool lua_alloc_walk(const struct mem_reader *m, const struct nginx_lua_vm *vm,
                    struct lua_alloc_stats *s, char *err, size_t errlen);

#endif
