/* What allocating an arena's in-use chunks again would do to it: where
 * glibc would place them (the free chunks first, by its best-fit rule,
 * then the top chunk) and how much the heap would grow. An nginx reload
 * is that: the master allocates a new configuration as big as the one it
 * holds before it frees the old. Analysis only; gathered in one walk. */
#ifndef NGXMEM_GLIBC_PLACEMENT_H
#define NGXMEM_GLIBC_PLACEMENT_H

#include "glibc_heap.h"

#include <stdbool.h>
#include <stdint.h>

/* Chunk sizes below this are counted by exact size, those above listed
 * (each listed one is at least this big, so the list is bounded by the
 * heap's bytes / 1 MiB). */
enum { PLACEMENT_EXACT_LIMIT = 1 << 20 };

struct placement_sizes {
    uint64_t *count;             /* [PLACEMENT_EXACT_LIMIT / 16], by size / 16 */
    uint64_t *big;               /* sizes >= PLACEMENT_EXACT_LIMIT */
    size_t nbig, bigcap;
};

struct glibc_placement {
    int arena;
    uint64_t mmap_threshold;     /* requests this big are mmapped, not placed */
    uint64_t page_size;
    struct placement_sizes demand, holes;
    uint64_t top_size, mmapped_bytes, mmapped_chunks;
    uint64_t mmapped_mapped;     /* the mappings of those: whole pages */
    bool oom;
};

struct placement_prediction {
    uint64_t demand_bytes, demand_chunks;   /* placed on the heap */
    uint64_t mmapped_bytes, mmapped_chunks; /* at or above the mmap threshold */
    uint64_t mmapped_mapped;                /* their mappings, page-rounded */
    uint64_t free_bytes;                    /* free chunks, the top excluded */
    uint64_t fit_bytes;                     /* demand placed in free chunks */
    uint64_t top_bytes;                     /* demand placed in the top chunk */
    uint64_t growth_bytes;                  /* the heap's growth for the rest */
};

/* Gather ARENA's chunks (glibc_placement_chunk, a glibc_chunk_fn, in a
 * walk); release in every case. False when memory runs out. PAGE_SIZE:
 * the mapping glibc makes for a chunk it mmaps is whole pages. */
bool glibc_placement_begin(struct glibc_placement *p, int arena, uint64_t mmap_threshold,
                           uint64_t page_size);
void glibc_placement_chunk(void *p, const struct glibc_chunk *c);
void glibc_placement_release(struct glibc_placement *p);

/* Place the demand (consumes the gathered holes): each chunk, biggest
 * first, in the smallest free chunk that holds it, the rest split off and
 * kept free; what no free chunk holds comes from the top, and the heap
 * grows by what the top lacks, plus TOP_PAD, in PAGE_SIZE steps. False
 * when memory ran out while gathering. */
bool glibc_placement_predict(struct glibc_placement *p, uint64_t top_pad, uint64_t page_size,
                             struct placement_prediction *out);

/* A fresh start and its first reload: the demand placed into an empty
 * heap (nothing free, no top), then again beside it, with MMAP_THRESHOLD
 * (say what a restarted process with another threshold would do). START
 * and RELOAD: each pass's figures; the heap after the reload is the sum
 * of their growth. Biggest first, so the top's slack left by small
 * requests is not offered to big ones: an upper bound on what is mmapped.
 * Call after glibc_placement_predict, or instead of it. */
bool glibc_placement_fresh(struct glibc_placement *p, uint64_t mmap_threshold, uint64_t top_pad,
                           uint64_t page_size, struct placement_prediction *start,
                           struct placement_prediction *reload);

#endif
