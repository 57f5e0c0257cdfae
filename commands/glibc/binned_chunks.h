/* The binned (small and large) free chunks of arenas whose unsorted list
 * is too long to follow before the walk: the walk records each one with
 * its fd, and the unsorted lists are then followed through the record
 * instead of through the inferior's memory (a list freed in random order
 * would cost a random read per chunk). 12 bytes a chunk: addresses are
 * heap granules (16 bytes) counted over the heap segments. At most
 * BINNED_MAX chunks are kept; past that the caller follows the lists
 * through memory, slower but in bounded memory. */
#ifndef NGXMEM_BINNED_CHUNKS_H
#define NGXMEM_BINNED_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    BINNED_MAX = 2 << 20,          /* 24 MiB of records */
};

/* fd values that are not granules */
#define BINNED_FD_HEAD UINT32_MAX            /* the arena's unsorted list head */
#define BINNED_FD_ELSEWHERE (UINT32_MAX - 1) /* outside every heap segment */

struct binned_chunk {
    uint32_t granule, fd, size16;
};

struct binned_chunks {
    struct binned_chunk *v;
    size_t n;
    bool overflow;                 /* BINNED_MAX reached: the record is partial */
    /* how a granule's record is found: a bit per granule and the records
     * before each block of RANK_BLOCK granules (a lookup is two loads and
     * a popcount or two), or for heaps too large for that, the first record of each
     * 2^dir_shift granules */
    uint64_t *bits;
    uint32_t *rank;
    size_t nbits;                  /* granules the bits cover */
    uint32_t *dir;
    size_t ndir;
    unsigned dir_shift;
    uint32_t *next;                /* after binned_chunks_link: fd as a record index */
    uint64_t *seen;                /* records met following a list */
};

void binned_chunks_free(struct binned_chunks *b);
/* False (and overflow set) once BINNED_MAX chunks are kept or memory runs out. */
bool binned_chunks_add(struct binned_chunks *b, uint32_t granule, uint32_t fd, uint32_t size16);
/* Sort (the walk records in address order unless walked twice), drop
 * records of a chunk walked twice, and index. False if memory runs out. */
bool binned_chunks_index(struct binned_chunks *b);
/* After binned_chunks_index: next[i] is the index of the record that record
 * i's fd points to (or BINNED_FD_HEAD, or BINNED_FD_ELSEWHERE if it points
 * at no record), and no record is seen. A list is then followed one small
 * load a step. The lookups here are independent and batched with
 * prefetches, so their cache misses overlap (following fd granules pays
 * each in turn). False if memory runs out. */
bool binned_chunks_link(struct binned_chunks *b);
/* No record seen (binned_chunks_link does this too). False if memory runs out. */
bool binned_chunks_unsee(struct binned_chunks *b);
/* Mark record I seen; false if it already was (a cycle, or lists joined). */
static inline bool binned_chunks_see(struct binned_chunks *b, uint32_t i)
{
    uint64_t bit = 1ull << (i & 63);
    if (b->seen[i >> 6] & bit)
        return false;
    b->seen[i >> 6] |= bit;
    return true;
}
static inline bool binned_chunks_seen(const struct binned_chunks *b, size_t i)
{
    return b->seen[i >> 6] >> (i & 63) & 1;
}
/* The record of the chunk at GRANULE, or NULL. */
const struct binned_chunk *binned_chunks_find(const struct binned_chunks *b, uint32_t granule);
/* Forget the records (the index stays allocated). */
void binned_chunks_clear(struct binned_chunks *b);

#endif
