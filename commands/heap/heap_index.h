/* Every chunk of a heap, in use and free, found again by any address in
 * it: a bit per 16-byte granule where a chunk starts, and the chunks
 * starting before each 128 granules, so the chunk holding an address is a
 * hash probe (its 2 MiB page's region), two loads and two popcounts away.
 * Chunks are numbered in address order; a bit per chunk says it is in
 * use. Allocator-neutral: regions (a glibc heap segment, an mmapped chunk,
 * a LuaJIT segment) are declared, then chunks added in address order
 * within each, from any walk. Memory: a sixteenth of the regions' size in
 * bits (11 MiB for a 1.4 GiB heap), a quarter of that for the counts, a
 * bit per chunk, no array that grows per chunk. */
#ifndef NGXMEM_HEAP_INDEX_H
#define NGXMEM_HEAP_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { HEAP_GRANULE = 16, HEAP_RANK_WORDS = 2, HEAP_PAGE_SHIFT = 21 };

struct heap_region {
    uint64_t start, end;         /* 16-byte aligned */
    uint64_t granule_base;       /* granules of the regions before it */
    uint64_t first_chunk;        /* chunks of the regions before it */
};

struct heap_index {
    struct heap_region *regions; /* sorted by start, disjoint */
    size_t nregions, regions_cap;
    uint64_t ngranules;
    uint64_t *starts;            /* a bit per granule: a chunk starts there */
    uint64_t *used_starts;       /* while building: the chunk is in use */
    uint32_t *rank;              /* chunks starting before each HEAP_RANK_WORDS words of starts */
    /* the 2 MiB pages the regions touch, hashed: page + 1 in the low half,
     * the first region on it in the high half; 0 an empty slot */
    uint64_t *pages;
    uint64_t page_mask;
    uint64_t *in_use;            /* a bit per chunk */
    uint64_t nchunks, used_chunks, used_bytes;
    size_t hint;                 /* the region last added to */
    bool built, oom;
};

/* A region [START, END) whose chunks will be added. Before heap_index_begin. */
bool heap_index_region(struct heap_index *x, uint64_t start, uint64_t end);
/* The bitmaps for the regions declared; false when memory runs out. */
bool heap_index_begin(struct heap_index *x);
/* A chunk at ADDR of SIZE bytes (inside a region; others are ignored). */
void heap_index_add(struct heap_index *x, uint64_t addr, uint64_t size, bool in_use);
/* Ranks and in-use bits; false when memory runs out. */
bool heap_index_finish(struct heap_index *x);
void heap_index_free(struct heap_index *x);

/* The chunk holding ADDR: its number, start and size (to the next chunk or
 * the region's end; SIZE may be NULL: not wanted, which is cheaper); -1
 * when ADDR is in no region or before its first chunk. */
int64_t heap_index_find(const struct heap_index *x, uint64_t addr, uint64_t *start,
                        uint64_t *size);
/* The size of the chunk starting at START. */
uint64_t heap_index_size(const struct heap_index *x, uint64_t start);
/* Chunk I's start and size; false when there is no such chunk. */
bool heap_index_chunk(const struct heap_index *x, uint64_t i, uint64_t *start, uint64_t *size);

/* Bytes of chunk I's own memory at START (SIZE long): from its header's
 * end to the next chunk's size field (its prev_size is this chunk's while
 * it is in use), or to the region's end for the last chunk of one. */
uint64_t heap_index_usable(const struct heap_index *x, uint64_t start, uint64_t size);

/* Chunks in address order from chunk I on: seek once (a search), then
 * each next is a few bit operations. */
struct heap_cursor {
    size_t region;
    uint64_t granule, chunk;
    bool last;                   /* the chunk heap_index_next gave ends its region */
};
bool heap_index_seek(const struct heap_index *x, uint64_t i, struct heap_cursor *c);
/* The chunk at C (its number, start, size), then C moves past it; false
 * at the end. */
bool heap_index_next(const struct heap_index *x, struct heap_cursor *c, uint64_t *i,
                     uint64_t *start, uint64_t *size);

/* heap_index_usable of the chunk heap_index_next gave (SIZE bytes): no
 * region search. */
static inline uint64_t heap_cursor_usable(const struct heap_cursor *c, uint64_t size)
{
    return size < 16 ? 0 : c->last ? size - 16 : size - 8;
}

/* Every chunk in address order: FN(ARG, number, start, size). */
typedef void (*heap_index_fn)(void *arg, uint64_t i, uint64_t start, uint64_t size);
void heap_index_each(const struct heap_index *x, heap_index_fn fn, void *arg);

static inline bool heap_index_in_use(const struct heap_index *x, uint64_t i)
{
    return (x->in_use[i / 64] >> (i % 64)) & 1;
}

static inline uint64_t heap_index_page_hash(uint64_t page)
{
    return page * 0x9e3779b97f4a7c15ull;
}

/* The first region on ADDR's 2 MiB page, or -1 (most words that are no
 * address end here, at one probe). */
__attribute__((always_inline))
static inline int64_t heap_index_page_region(const struct heap_index *x, uint64_t addr)
{
    uint64_t key = (addr >> HEAP_PAGE_SHIFT) + 1;
    for (uint64_t h = heap_index_page_hash(key - 1) & x->page_mask;; h = (h + 1) & x->page_mask) {
        uint64_t e = x->pages[h];
        if ((uint32_t)e == key)
            return (int64_t)(e >> 32);
        if (!e)
            return -1;
    }
}

/* The region holding ADDR, or -1. */
__attribute__((always_inline))
static inline int64_t heap_index_region_at(const struct heap_index *x, uint64_t addr)
{
    int64_t r = heap_index_page_region(x, addr);
    if (r < 0)
        return -1;
    /* small regions (mmapped chunks) may share the page */
    while (addr >= x->regions[r].end)
        if ((size_t)++r == x->nregions)
            return -1;
    return addr >= x->regions[r].start ? r : -1;
}

/* The chunk whose memory past its header holds ADDR: its number; -1 when
 * ADDR is in no region, before its region's first chunk, or in a chunk's
 * header (the end of the chunk before it: no reference to this one). No
 * search: for loops over every word of memory (built index only). Callers
 * in hot loops are best compiled with the CPU's popcount. [*LO, *HI): the
 * addresses around ADDR that are surely the same chunk's (within the 64
 * granules of one word of starts), for a cache of the chunk last met;
 * *WHOLE: they are all of its memory past its header (start + 16 to
 * start + size, as heap_index_extent has them). */
__attribute__((always_inline))
static inline int64_t heap_index_lookup_near(const struct heap_index *x, uint64_t addr,
                                             uint64_t *lo, uint64_t *hi, bool *whole)
{
    int64_t r = heap_index_region_at(x, addr);
    if (r < 0)
        return -1;
    const struct heap_region *g = &x->regions[r];
    uint64_t gi = g->granule_base + (addr - g->start) / HEAP_GRANULE, w = gi / 64;
    uint64_t bits = x->starts[w], upto = bits & ((2ull << (gi % 64)) - 1);
    if ((bits >> (gi % 64)) & 1)
        return -1;
    /* the chunks starting at or before the granule, less one */
    uint64_t n = x->rank[w / HEAP_RANK_WORDS] + (uint64_t)__builtin_popcountll(upto);
    for (uint64_t k = w - w % HEAP_RANK_WORDS; k < w; k++)
        n += (uint64_t)__builtin_popcountll(x->starts[k]);
    if (n <= g->first_chunk)
        return -1;
    /* past its start's granule (or from the word's first), to the next
     * start (or the word's end, or the region's) */
    uint64_t after = bits & ~upto, limit = g->granule_base + (g->end - g->start) / HEAP_GRANULE;
    uint64_t from = upto ? w * 64 + 64 - (uint64_t)__builtin_clzll(upto) : w * 64;
    uint64_t to = after ? w * 64 + (uint64_t)__builtin_ctzll(after) : w * 64 + 64;
    from = from > g->granule_base ? from : g->granule_base;
    to = to < limit ? to : limit;
    *whole = upto && (after || w * 64 + 64 >= limit);
    *lo = g->start + (from - g->granule_base) * HEAP_GRANULE;
    *hi = g->start + (to - g->granule_base) * HEAP_GRANULE;
    return (int64_t)n - 1;
}

__attribute__((always_inline))
static inline int64_t heap_index_lookup(const struct heap_index *x, uint64_t addr)
{
    uint64_t lo, hi;
    bool whole;
    return heap_index_lookup_near(x, addr, &lo, &hi, &whole);
}

/* The start and size of the chunk holding ADDR, as heap_index_find gives
 * them, without its number; false when there is none. */
bool heap_index_extent(const struct heap_index *x, uint64_t addr, uint64_t *start,
                       uint64_t *size);

#endif
