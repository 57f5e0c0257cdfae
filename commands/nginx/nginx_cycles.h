/* The cycle pools of an nginx process: the current cycle, the previous
 * one while a reload is in progress, and old cycles (single-process). */
#ifndef NGXMEM_NGINX_CYCLES_H
#define NGXMEM_NGINX_CYCLES_H

#include "nginx_pool.h"
#include "nginx_state.h"

enum { MAX_OLD_CYCLES = 1024 };

struct named_pool {
    char name[32];
    uint64_t cycle, pool;
    struct nginx_pool_stats st;
};

/* The figures of POOLS[0..N) added up into *SUM (counts and bytes; the
 * first block's size and chunk_sizes_known stay 0). */
void nginx_cycle_pools_sum(const struct named_pool *pools, int n, struct nginx_pool_stats *sum);

/* Fill POOLS (the current cycle first); returns how many, or -1 + ERR.
 * GLIBC_CHUNKS as for nginx_pool_walk. */
int nginx_cycle_pools(const struct mem_reader *m, const struct nginx_state *st,
                      bool glibc_chunks, struct named_pool *pools, int max, char *err,
                      size_t errlen);

/* The same without walking the pools (each st left zero): for a census,
 * which walks and checks every pool anyway. */
int nginx_cycle_pool_addresses(const struct mem_reader *m, const struct nginx_state *st,
                               struct named_pool *pools, int max, char *err, size_t errlen);

#endif
