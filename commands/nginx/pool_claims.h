/* The pool census's chunks as claims (heap_claims): each kind of pool an
 * owner, shown on the heap map as C (current cycle), O (old cycle) or o
 * (other pools), its resident bytes the RSS's cycle pools or other pools;
 * a pool's blocks and its large allocations apart (the tag says which and
 * of what kind), as the owner graph reads them differently. */
#ifndef NGXMEM_POOL_CLAIMS_H
#define NGXMEM_POOL_CLAIMS_H

#include "heap_claims.h"
#include "nginx_pool_census.h"

struct pool_claims {
    struct heap_claims *claims;
};

/* How a kind of pool shows: its heap map character (C, O, o) and the
 * RSS part its resident bytes count in. */
char pool_claims_map_char(enum pool_kind kind);
enum claim_part pool_claims_part(enum pool_kind kind);

/* A pool_chunk_owner_fn (pool_census_follow): claims each pool chunk for
 * its kind. ARG: a struct pool_claims. */
void pool_claims_chunk(void *arg, enum pool_kind kind, uint64_t chunk, uint64_t size, bool large);

/* What a claim owner's tag says of a pool chunk; false: not a pool's. */
bool pool_claims_tag(const struct claim_owner *o, enum pool_kind *kind, bool *large);

/* The map characters of the pool owners, for an overlay. */
#define POOL_CLAIM_CHARS "COo"
#define POOL_CLAIM_LEGEND "C current cycle pool, O old cycle pool, o other nginx pools"

#endif
