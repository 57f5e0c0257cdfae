/* The glibc heap of an inferior: arenas, their heap segments, the small
 * free lists (fastbins, tcaches, unsorted), and one sequential walk over
 * every segment that classifies each chunk. All memory the analysis uses
 * is owned by struct glibc_heap, so a GDB exception (Ctrl-C) unwinding
 * through it leaks nothing once glibc_heap_close runs in a cleanup. */
#ifndef NGXMEM_GLIBC_HEAP_H
#define NGXMEM_GLIBC_HEAP_H

#include "binned_chunks.h"
#include "chunk_tags.h"
#include "block_cache.h"
#include "glibc_state.h"

enum chunk_class {
    CH_IN_USE, CH_TCACHE, CH_FAST, CH_UNSORTED, CH_SMALL, CH_LARGE, CH_TOP,
    CH_FENCEPOST, CH_COUNT
};

/* Identifiers (JSON values; text shows "in use"). */
extern const char *const chunk_class_names[CH_COUNT];

struct glibc_arena {
    uint64_t addr;
    bool is_main, noncontiguous;
    uint64_t top, top_size, system_mem, attached_threads;
    uint64_t fastbins[GLIBC_MAX_FASTBINS];
    uint64_t unsorted_fd;
    bool unsorted_deferred;    /* long unsorted list: resolved after the walk */
    int first_segment, nsegments;
};

enum segment_kind { SEG_BRK, SEG_MMAP, SEG_THREAD_HEAP };

/* "brk_heap", "mmap_segment" or "thread_heap" (JSON values; text shows
 * "brk heap"). */
const char *glibc_segment_kind_id(enum segment_kind k);

struct glibc_segment {
    uint64_t start, end;       /* chunks from start; memory up to end */
    int arena;
    enum segment_kind kind;
    uint64_t heap_info;        /* thread heaps: the heap_info address */
    uint64_t granule_base;     /* 16-byte granules in the segments before it */
    bool guessed;              /* its end taken from fenceposts where its
                                * neighbour's length says (glibc_heap.c) */
};

struct glibc_chunk {
    uint64_t addr, size;
    enum chunk_class cls;
    int arena, segment;
};

enum { GLIBC_MAX_ARENAS = 1024, GLIBC_MAX_SEGMENTS = 65536, GLIBC_MAX_TCACHES = 4096 };

enum glibc_open_flags {
    /* Resolve long unsorted lists before any walk (one extra pass), so
     * that every walk reports "unsorted" exactly; without it the first
     * walk reports them as small/large and glibc_heap_resolve_unsorted
     * corrects the aggregate afterwards. */
    GLIBC_EXACT_UNSORTED = 1,
    /* Long unsorted lists are followed themselves, never found as what
     * the small and large bins leave (glibc_heap_resolve_unsorted): the
     * unit tests check one way against the other. */
    GLIBC_FOLLOW_UNSORTED = 2,
};

struct glibc_heap {
    const struct mem_reader *raw;
    unsigned flags;
    struct binned_chunks binned;    /* deferred arenas' binned chunks */
    struct pending_binned {         /* recorded with their fd not yet a granule: */
        uint64_t fd;                /* looked up a batch at a time */
        uint32_t granule, size16;
        int arena;
    } pending[64];
    int npending;
    bool granules_fit;              /* the segments' granules fit binned's 32 bits */
    bool finding_chains;            /* following chunk chains to find segments:
                                     * windows may cover what the reader calls quiet */
    bool record_binned;             /* walks record binned chunks for
                                     * glibc_heap_resolve_unsorted (set by its caller
                                     * before the walk; walks that never resolve
                                     * skip the cost) */
    struct block_cache cache;
    struct mem_reader mem;          /* cached view of raw, for walks */
    struct block_cache list_cache;
    struct mem_reader lists;        /* cached view of raw, for free lists */
    struct block_cache header_cache;
    struct mem_reader headers;      /* one page at a time: for chains of headers
                                     * far apart (nginx pool blocks, 16 KiB) */
    struct glibc_state st;
    struct glibc_arena *arenas;
    int narenas;
    struct glibc_segment *segments;
    int nsegments;
    size_t segments_cap;
    int *by_start;                  /* segment indexes sorted by start, once all are found */
    uint64_t *starts;               /* their starts, in that order (one allocation */
    uint64_t *ends;                 /* with their ends, granule bases and every */
    uint64_t *granule_bases;        /* SEARCH_FANOUT-th start: a search's first */
    uint64_t *coarse;               /* level, which stays in cache while the walk */
    size_t ncoarse;                 /* streams past it) */
    int segment_hint;               /* until then: the segment last looked up */
    uint64_t unwalked_bytes;        /* system_mem not covered by segments */
    bool unsorted_by_bins;          /* the last resolve marked the bins */
    struct chunk_tags tags;         /* chunks on the short free lists */
    uint64_t tcache_structs[GLIBC_MAX_TCACHES];
    int ntcache_structs;
    char warnings[512];
};

/* Find glibc's state, arenas, segments and lists. False + ERR on failure;
 * call glibc_heap_close in every case. */
bool glibc_heap_open(struct glibc_heap *h, const struct mem_reader *raw, unsigned flags,
                     char *err, size_t errlen);
void glibc_heap_close(struct glibc_heap *h);

typedef void (*glibc_chunk_fn)(void *arg, const struct glibc_chunk *c);

/* Several analyses in one walk: chunk_fanout_chunk (a glibc_chunk_fn with
 * a struct chunk_fanout as ARG) hands each chunk to every one in turn. */
enum { CHUNK_FANOUT_MAX = 8 };
struct chunk_fanout {
    glibc_chunk_fn fn[CHUNK_FANOUT_MAX];
    void *arg[CHUNK_FANOUT_MAX];
    int n;
};
void chunk_fanout_add(struct chunk_fanout *f, glibc_chunk_fn fn, void *arg);
void chunk_fanout_chunk(void *f, const struct glibc_chunk *c);

/* Walk every segment of ARENA (-1: all) in address order, calling FN for
 * each chunk. False + ERR at the first corrupt chunk (named by address). */
bool glibc_heap_walk(struct glibc_heap *h, int arena, glibc_chunk_fn fn,
                     void *arg, char *err, size_t errlen);

/* Walk one segment only (progress counted against that segment). */
bool glibc_heap_walk_segment(struct glibc_heap *h, int segment, glibc_chunk_fn fn,
                             void *arg, char *err, size_t errlen);

/* After a walk: follow deferred unsorted lists through the binned chunks
 * the walk saw, calling FN for each chunk found to be unsorted (FROM is
 * the class the walk gave it). */
typedef void (*glibc_reclass_fn)(void *arg, const struct glibc_chunk *c,
                                 enum chunk_class from);
bool glibc_heap_resolve_unsorted(struct glibc_heap *h, glibc_reclass_fn fn, void *arg,
                                 char *err, size_t errlen);

/* The segment holding ADDR, or -1. */
int glibc_heap_segment_at(struct glibc_heap *h, uint64_t addr);

uint64_t glibc_heap_total_segment_bytes(const struct glibc_heap *h, int arena);
/* Segments found by their ends alone, side by side with one alike (the
 * walk checks their chains). */
int glibc_heap_guessed_segments(const struct glibc_heap *h);

#endif
