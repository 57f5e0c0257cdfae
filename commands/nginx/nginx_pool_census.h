/* Every nginx pool in a process: glibc's in-use chunks searched for
 * ngx_pool_t headers, each candidate's whole block chain validated, then
 * classified by owner (cycle, old cycle) or size. Analysis only. */
#ifndef NGXMEM_NGINX_POOL_CENSUS_H
#define NGXMEM_NGINX_POOL_CENSUS_H

#include "glibc_heap.h"
#include "nginx_cycles.h"

enum pool_kind { PK_CYCLE, PK_OLD_CYCLE, PK_CONNECTION, PK_REQUEST, PK_CYCLE_SIZED, PK_OTHER,
                 PK_COUNT };
/* Identifiers (JSON values; text shows "old cycle"). */
extern const char *const pool_kind_names[PK_COUNT];
extern const char *const pool_kind_evidence[PK_COUNT];

struct pool_kind_total {
    uint64_t pools, blocks, bytes, used, unused, large, large_bytes;
};

struct pool_census {
    struct pool_kind_total kinds[PK_COUNT];
    size_t candidates, rejected;
};

/* H must be open; CYCLES from nginx_cycle_pools. False + ERR when the heap
 * walk fails or memory runs out. */
bool nginx_pool_census(struct glibc_heap *h, const struct nginx_state *st,
                       const struct named_pool *cycles, int ncycles,
                       struct pool_census *out, char *err, size_t errlen);

#endif
