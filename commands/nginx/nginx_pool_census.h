/* Every nginx pool in a process: glibc's in-use chunks searched for
 * ngx_pool_t headers, each candidate's whole block chain validated, then
 * classified by owner (cycle, old cycle) or size. Analysis only. */
#ifndef NGXMEM_NGINX_POOL_CENSUS_H
#define NGXMEM_NGINX_POOL_CENSUS_H

#include "glibc_heap.h"
#include "glibc_stats.h"
#include "nginx_cycles.h"

enum pool_kind { PK_CYCLE, PK_OLD_CYCLE, PK_CONNECTION, PK_REQUEST, PK_CYCLE_SIZED, PK_OTHER,
                 PK_COUNT };
/* Identifiers (JSON values; text shows "old cycle"). */
extern const char *const pool_kind_names[PK_COUNT];
extern const char *const pool_kind_evidence[PK_COUNT];

struct pool_kind_total {
    uint64_t pools, blocks, bytes, used, unused, large, large_bytes;
    uint64_t chunk_bytes;        /* the glibc chunks of those: headers included */
};

struct pool_census {
    struct pool_kind_total kinds[PK_COUNT];
    size_t candidates, rejected;
    /* the chunks of every pool's blocks and large allocations, by
     * power-of-two chunk size (glibc_stats' buckets) */
    struct count_bytes pooled[SIZE_BUCKETS];
};

/* The census in steps, for a walk shared with other analyses: begin,
 * pool_census_chunk (a glibc_chunk_fn) for every chunk of one walk, then
 * finish; release in every case. */
/* LARGE: a large allocation (else one of the pool's blocks). */
typedef void (*pool_chunk_owner_fn)(void *arg, enum pool_kind kind, uint64_t chunk,
                                    uint64_t size, bool large);
struct pool_census_walk {
    struct glibc_heap *heap;
    uint64_t pagesize;
    uint64_t *v;                 /* candidate pool addresses */
    size_t n, cap;
    bool oom;
    /* finish tells OWNED the kind of every pool chunk (pool_census_follow) */
    pool_chunk_owner_fn owned;
    void *owned_arg;
    uint64_t *pool_chunks;       /* one pool's chunks: address, size */
    size_t npool_chunks, pool_chunks_cap;
};
void pool_census_begin(struct pool_census_walk *k, struct glibc_heap *h,
                       const struct nginx_state *st);
void pool_census_chunk(void *k, const struct glibc_chunk *c);
bool pool_census_finish(struct pool_census_walk *k, const struct named_pool *cycles,
                        int ncycles, struct pool_census *out, char *err, size_t errlen);
void pool_census_release(struct pool_census_walk *k);
/* Before finish: FN gets each chunk of each valid pool, with its kind
 * (mmapped ones too, which the census does not count: give them to
 * pool_census_chunk to find the pools that start in one). */
void pool_census_follow(struct pool_census_walk *k, pool_chunk_owner_fn fn, void *arg);

/* All of it with a walk of its own. H must be open; CYCLES from
 * nginx_cycle_pools. False + ERR when the heap walk fails or memory runs
 * out. */
bool nginx_pool_census(struct glibc_heap *h, const struct nginx_state *st,
                       const struct named_pool *cycles, int ncycles,
                       struct pool_census *out, char *err, size_t errlen);

#endif
