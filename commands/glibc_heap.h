/* The glibc heap of an inferior: arenas, their heap segments, the small
 * free lists (fastbins, tcaches, unsorted), and one sequential walk over
 * every segment that classifies each chunk. All memory the analysis uses
 * is owned by struct glibc_heap, so a GDB exception (Ctrl-C) unwinding
 * through it leaks nothing once glibc_heap_close runs in a cleanup. */
#ifndef NGXMEM_GLIBC_HEAP_H
#define NGXMEM_GLIBC_HEAP_H

#include "addr_map.h"
#include "block_cache.h"
#include "glibc_state.h"

enum chunk_class {
    CH_IN_USE, CH_TCACHE, CH_FAST, CH_UNSORTED, CH_SMALL, CH_LARGE, CH_TOP,
    CH_FENCEPOST, CH_COUNT
};

extern const char *const chunk_class_names[CH_COUNT];

struct glibc_arena {
    uint64_t addr;
    bool is_main, noncontiguous;
    uint64_t top, top_size, system_mem, attached_threads;
    uint64_t fastbins[GLIBC_NFASTBINS];
    uint64_t unsorted_fd;
    int first_segment, nsegments;
};

enum segment_kind { SEG_BRK, SEG_MMAP, SEG_THREAD_HEAP };

struct glibc_segment {
    uint64_t start, end;       /* chunks from start; memory up to end */
    int arena;
    enum segment_kind kind;
    uint64_t heap_info;        /* thread heaps: the heap_info address */
};

struct glibc_chunk {
    uint64_t addr, size;
    enum chunk_class cls;
    int arena, segment;
};

enum { GLIBC_MAX_ARENAS = 1024, GLIBC_MAX_SEGMENTS = 65536, GLIBC_MAX_TCACHES = 4096 };

struct glibc_heap {
    const struct mem_reader *raw;
    struct block_cache cache;
    struct mem_reader mem;          /* cached view of raw */
    struct glibc_state st;
    struct glibc_arena *arenas;
    int narenas;
    struct glibc_segment *segments;
    int nsegments;
    uint64_t unwalked_bytes;        /* system_mem not covered by segments */
    struct addr_map tags;           /* chunk -> class for listed chunks */
    uint64_t tcache_structs[GLIBC_MAX_TCACHES];
    int ntcache_structs;
    uint64_t listed[CH_COUNT];      /* chunks found in each kind of list */
    char warnings[512];
};

/* Find glibc's state, arenas, segments and lists. False + ERR on failure;
 * call glibc_heap_close in every case. */
bool glibc_heap_open(struct glibc_heap *h, const struct mem_reader *raw,
                     char *err, size_t errlen);
void glibc_heap_close(struct glibc_heap *h);

typedef void (*glibc_chunk_fn)(void *arg, const struct glibc_chunk *c);

/* Walk every segment of ARENA (-1: all) in address order, calling FN for
 * each chunk. False + ERR at the first corrupt chunk (named by address). */
bool glibc_heap_walk(struct glibc_heap *h, int arena, glibc_chunk_fn fn,
                     void *arg, char *err, size_t errlen);

/* Walk one segment only (progress counted against that segment). */
bool glibc_heap_walk_segment(struct glibc_heap *h, int segment, glibc_chunk_fn fn,
                             void *arg, char *err, size_t errlen);

uint64_t glibc_heap_total_segment_bytes(const struct glibc_heap *h, int arena);

#endif
