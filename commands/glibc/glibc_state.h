/* Where glibc's allocator state lives in the inferior, and its version. */
#ifndef NGXMEM_GLIBC_STATE_H
#define NGXMEM_GLIBC_STATE_H

#include "glibc_layout.h"
#include "mem_reader.h"

#include <stddef.h>

struct glibc_state {
    char version[16];            /* "2.36" */
    int minor;
    const struct glibc_layout *L;
    uint64_t libc_base;          /* 0 when not needed/found */
    uint64_t main_arena, mp;     /* mp 0: mp_ not found */
    bool have_tcache_key;
    uint64_t tcache_key;
    uint64_t global_max_fast;
    uint64_t tcache_max_chunk;   /* biggest chunk size tcaches hold */
    uint64_t heap_max;           /* alignment/size bound of thread heaps */
    /* mp_ values (valid when mp != 0) */
    uint64_t sbrk_base, mmapped_mem, trim_threshold, top_pad, mmap_threshold;
    uint64_t hp_pagesize, thp_pagesize;
    int n_mmaps;
    char found_by[160];          /* how main_arena/mp_ were found */
    char notes[320];             /* fallbacks the user should know about */
};

/* Find everything; false with a message in ERR when glibc's state cannot
 * be identified (not glibc, unsupported version, corrupt). */
bool glibc_state_find(const struct mem_reader *m, struct glibc_state *st,
                      char *err, size_t errlen);

#endif
