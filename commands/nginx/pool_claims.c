#include "pool_claims.h"

/* Tags above every other claimant's: a pool's kind and whether it is a
 * large allocation. */
enum { POOL_TAG_BASE = 0x1000 };

char pool_claims_map_char(enum pool_kind kind)
{
    return kind == PK_CYCLE ? 'C' : kind == PK_OLD_CYCLE ? 'O' : 'o';
}

enum claim_part pool_claims_part(enum pool_kind kind)
{
    return kind == PK_CYCLE || kind == PK_OLD_CYCLE ? CLAIM_PART_CYCLE_POOLS
                                                    : CLAIM_PART_OTHER_POOLS;
}

void pool_claims_chunk(void *arg, enum pool_kind kind, uint64_t chunk, uint64_t size, bool large)
{
    struct pool_claims *p = arg;
    int owner = heap_claims_owner(p->claims, pool_claims_map_char(kind), pool_claims_part(kind),
                                  POOL_TAG_BASE + (int)kind * 2 + large);
    heap_claim(p->claims, chunk, chunk + size, owner);
}

bool pool_claims_tag(const struct claim_owner *o, enum pool_kind *kind, bool *large)
{
    int t = o->tag - POOL_TAG_BASE;
    if (t < 0 || t >= PK_COUNT * 2)
        return false;
    *kind = (enum pool_kind)(t / 2);
    *large = t % 2;
    return true;
}
