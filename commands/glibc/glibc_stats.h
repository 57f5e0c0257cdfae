/* Aggregates over a heap walk: per class counts and bytes, power-of-two
 * size buckets, the largest free chunk, and glibc's malloc_trim(0) model. */
#ifndef NGXMEM_GLIBC_STATS_H
#define NGXMEM_GLIBC_STATS_H

#include "glibc_heap.h"

enum { SIZE_BUCKETS = 48 };   /* bucket b: sizes in [2^b, 2^(b+1)) */

struct count_bytes {
    uint64_t count, bytes;
};

struct glibc_stats {
    struct count_bytes cls[CH_COUNT];
    struct count_bytes bucket[CH_COUNT][SIZE_BUCKETS];
    uint64_t largest_free, largest_free_addr;   /* excluding top */
    uint64_t trimmable;          /* bytes malloc_trim(0) would release */
    uint64_t trim_madvise, trim_top;
    uint64_t highest_in_use_end; /* per walk: end of highest in-use chunk */
    uint64_t free_below_highest_in_use;
};

struct glibc_stats_walk {
    struct glibc_heap *heap;
    struct glibc_stats *per_arena;   /* narenas entries */
    struct glibc_stats total;
    /* current run of adjacent free chunks (malloc_consolidate model) */
    int run_arena, run_segment;
    uint64_t run_start, run_bytes, run_free_bytes;
    bool run_has_fast, run_open;
    uint64_t run_single_addr, run_single_size;
    int run_chunks;
};

/* Set up W for a walk of H; false if out of memory. */
bool glibc_stats_begin(struct glibc_stats_walk *w, struct glibc_heap *h);
void glibc_stats_chunk(void *w, const struct glibc_chunk *c);   /* glibc_chunk_fn */
void glibc_stats_end(struct glibc_stats_walk *w);
/* glibc_reclass_fn: move a chunk from class FROM to c->cls. */
void glibc_stats_reclass(void *w, const struct glibc_chunk *c, enum chunk_class from);
void glibc_stats_free(struct glibc_stats_walk *w);

int size_bucket(uint64_t size);

#endif
