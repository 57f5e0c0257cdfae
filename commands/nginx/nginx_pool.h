/* An nginx pool (ngx_pool_t): its blocks, large allocations, cleanups. */
#ifndef NGXMEM_NGINX_POOL_H
#define NGXMEM_NGINX_POOL_H

#include "mem_reader.h"

#include <stddef.h>

struct nginx_pool_stats {
    uint64_t blocks, block_bytes, used_bytes, unused_bytes;
    uint64_t large_count, large_bytes, large_records, cleanups;
    uint64_t first_block_size;
    uint64_t mmapped_bytes;      /* of blocks and large: in mmapped chunks */
    /* large_bytes and mmapped_bytes hold: the walk knew the chunks were
     * glibc's (another allocator's sizes are not in a header before them) */
    bool chunk_sizes_known;
};

/* Called for each block (LARGE false) and each live large allocation
 * (LARGE true) with the address malloc returned; may be NULL. */
typedef void (*nginx_block_fn)(void *arg, uint64_t addr, bool large);

/* Walk POOL (bounded, cycle-safe; every block checked). GLIBC_CHUNKS: the
 * blocks and large allocations are glibc chunks, whose sizes the walk then
 * reads (else large_bytes stays 0, chunk_sizes_known false). False + ERR
 * when the pool is corrupt or unreadable. */
bool nginx_pool_walk(const struct mem_reader *m, uint64_t pool, bool glibc_chunks,
                     struct nginx_pool_stats *s, nginx_block_fn fn, void *arg, char *err,
                     size_t errlen);

#endif
