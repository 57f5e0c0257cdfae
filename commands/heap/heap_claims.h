/* Who owns which memory of a heap, as claims on address ranges: the one
 * mechanism behind the RSS breakdown's parts, the heap map's characters
 * and the owner table. Analyses claim (the pool census: each pool's
 * chunks; the owner graph: every chunk its owners' roots reach);
 * consumers read the claims back in address order, each range with its
 * owner, and show each owner as the owner says: its map character, its
 * part of the RSS. Allocator-neutral: ranges, not chunks.
 *
 * Two sources: ranges claimed one by one (a few thousand pool chunks),
 * and one that claims every chunk in one pass (the owner graph's labels,
 * held by its producer, never copied here: a heap of millions of chunks
 * costs no array). Where both say something, the full source has the last
 * word: it was given the ranges first. */
#ifndef NGXMEM_HEAP_CLAIMS_H
#define NGXMEM_HEAP_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The RSS breakdown's parts an owner's memory counts under. */
enum claim_part { CLAIM_PART_NONE, CLAIM_PART_CYCLE_POOLS, CLAIM_PART_OTHER_POOLS };

enum { CLAIM_OWNERS_MAX = 255 };

struct claim_owner {
    char map_char;               /* on the heap map; 0: plain in use ('#') */
    enum claim_part part;
    int tag;                     /* the claimant's own word on it */
};

struct claim {
    uint64_t start, end;
    int owner;
};

/* FN(ARG, start, end, owner) for each claimed range, in address order. */
typedef void (*claim_fn)(void *arg, uint64_t start, uint64_t end, int owner);
/* A source claiming many ranges in one pass: FN for each of them, in
 * address order. */
typedef void (*claim_source_fn)(const void *src, claim_fn fn, void *arg);

struct heap_claims {
    struct claim_owner owners[CLAIM_OWNERS_MAX];
    int nowners;
    struct claim *v;             /* claimed one by one */
    size_t n, cap;
    bool sorted, oom;            /* sorted: in address order, disjoint */
    claim_source_fn source;      /* or NULL */
    const void *src;
};

/* A new owner: its number, or -1 when there are too many (its ranges then
 * stay unclaimed). Owners with the same character, part and tag are one. */
int heap_claims_owner(struct heap_claims *c, char map_char, enum claim_part part, int tag);

/* [START, END) is OWNER's. */
void heap_claim(struct heap_claims *c, uint64_t start, uint64_t end, int owner);

/* From now on SOURCE claims (every range it yields): the ranges claimed one
 * by one were given to it, it says the rest. */
void heap_claims_attach(struct heap_claims *c, claim_source_fn source, const void *src);

/* Every claim in address order: the source's when one is attached, else
 * those claimed one by one (where two overlap, the one starting first
 * keeps the overlap: hostile pool chains cannot count bytes twice). */
void heap_claims_each(struct heap_claims *c, claim_fn fn, void *arg);
/* Only those claimed one by one (what a source is given). */
void heap_claims_each_listed(struct heap_claims *c, claim_fn fn, void *arg);

/* The owner of the listed claim holding ADDR, or -1. CURSOR (0 at first)
 * keeps the place: asked in address order, no search. */
int heap_claims_listed_at(struct heap_claims *c, uint64_t addr, size_t *cursor);

void heap_claims_release(struct heap_claims *c);

#endif
