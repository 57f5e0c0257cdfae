/* A read-through cache in front of a slow mem_reader (GDB's target):
 * small reads are served from one large window read in a single call. */
#ifndef NGXMEM_BLOCK_CACHE_H
#define NGXMEM_BLOCK_CACHE_H

#include "mem_reader.h"

enum { BLOCK_CACHE_WINDOW = 1 << 20 };

/* [lo, hi) */
struct mem_range {
    uint64_t lo, hi;
};

struct block_cache {
    struct mem_reader backing;
    uint8_t *window;          /* where the window's bytes begin, in window_mem */
    uint8_t *window_mem;      /* a window with room for a stream's tail */
    uint64_t base, len;       /* what the window holds; len 0: nothing */
    uint64_t window_size;     /* at most BLOCK_CACHE_WINDOW */
    /* Where a window may extend around ADDR: [*lo, *hi). NULL: anywhere.
     * Returning false means "read exactly": reading memory nobody asked
     * for can have effects (a shared page not in RAM gets loaded). */
    bool (*bounds)(void *arg, uint64_t addr, uint64_t *lo, uint64_t *hi);
    void *bounds_arg;
    bool centered;            /* windows around the miss: for lists walked
                               * in any direction (free lists are LIFO) */
    uint64_t backing_reads;   /* calls to the backing reader */
    uint64_t backing_bytes;
    /* block_cache_stream: the ranges a walk reads in order, and the helper
     * that reads the next window of them while the walk parses this one */
    const struct mem_range *stream;
    size_t nstream, stream_at;
    struct read_ahead *ahead;  /* NULL: no helper (yet, or possible) */
    uint8_t *spare;            /* the buffer the helper reads into */
    bool ahead_pending;
    uint64_t ahead_addr, ahead_len;
    uint64_t ahead_used;       /* windows the helper read that were used */
};

/* Returns false if the window cannot be allocated. */
bool block_cache_init(struct block_cache *c, const struct mem_reader *backing);
void block_cache_free(struct block_cache *c);

/* Use smaller windows (a power of two >= 4 KiB): for scattered reads. */
void block_cache_set_window(struct block_cache *c, uint64_t size);

struct mem_reader block_cache_reader(struct block_cache *c);

/* The fast path of a read through C, for hot loops: no indirect call
 * when the 8 bytes are already in the window. */
static inline bool block_cache_u64(struct block_cache *c, uint64_t addr, uint64_t *v)
{
    if (c->len && addr >= c->base && addr - c->base + 8 <= c->len) {
        __builtin_memcpy(v, c->window + (addr - c->base), 8);
        return true;
    }
    struct mem_reader r = block_cache_reader(c);
    return mem_read(&r, addr, v, 8) == 0;
}

/* The N bytes at ADDR where they are already in the window, else NULL
 * (then read them through the reader): for hot loops. */
static inline const uint8_t *block_cache_peek(const struct block_cache *c, uint64_t addr,
                                              size_t n)
{
    return c->len && addr >= c->base && addr - c->base + n <= c->len
               ? c->window + (addr - c->base) : NULL;
}

/* Make the window cover [ADDR, ADDR + NEED) when it is at most half a
 * window: a walk stepping over a chunk keeps the chunk (which the
 * analyses then read) in the window with the next chunk's header. */
bool block_cache_refill_cover(struct block_cache *c, uint64_t addr, size_t need); /* slow path */
static inline bool block_cache_cover(struct block_cache *c, uint64_t addr, size_t need)
{
    return block_cache_peek(c, addr, need) || block_cache_refill_cover(c, addr, need);
}

/* A mem_reader that reads through C (symbol/progress pass through). */
struct mem_reader block_cache_reader(struct block_cache *c);

/* Make the window end just above ADDR, for callers that walk downwards.
 * Returns false if that memory cannot be read (the window is then empty). */
bool block_cache_prefetch_below(struct block_cache *c, uint64_t addr);

/* The caller will read RANGES[0..N) in that order, each from its low end
 * up (a heap walk): windows are then read ahead by a helper thread, when
 * the backing reader allows one (mem_concurrent_reader). The ranges must
 * be memory that may be read in any amount (bounds are not asked). They
 * stay the caller's until the stream ends: block_cache_stream(C, NULL, 0). */
void block_cache_stream(struct block_cache *c, const struct mem_range *ranges, size_t n);

/* Forget the window (the inferior may have changed). */
void block_cache_invalidate(struct block_cache *c);

#endif
