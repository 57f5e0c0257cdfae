#include "block_cache.h"

#include "read_ahead.h"

#include <stdlib.h>
#include <string.h>

enum {
    PAGE = 4096,
    SCATTERED_READ = 64,
    /* a window read ahead is joined to the tail of the one before: what a
     * miss needs from below it, at most half a window (block_cache_cover)
     * and the page kept behind */
    STREAM_TAIL = BLOCK_CACHE_WINDOW / 2 + 2 * PAGE,
    STREAM_READ = 4 * BLOCK_CACHE_WINDOW,     /* fewer hand-overs to the helper */
    WINDOW_MEM = STREAM_TAIL + STREAM_READ,
};

bool block_cache_init(struct block_cache *c, const struct mem_reader *backing)
{
    memset(c, 0, sizeof *c);
    c->backing = *backing;
    c->window = c->window_mem = malloc(BLOCK_CACHE_WINDOW);
    c->window_size = BLOCK_CACHE_WINDOW;
    return c->window != NULL;
}

/* The helper's read, if one is outstanding, is waited for and dropped. */
static void drop_ahead(struct block_cache *c)
{
    if (c->ahead_pending)
        read_ahead_wait(c->ahead);
    c->ahead_pending = false;
}

void block_cache_free(struct block_cache *c)
{
    drop_ahead(c);
    if (c->ahead) {
        read_ahead_stop(c->ahead);
        free(c->ahead);
    }
    free(c->spare);
    free(c->window_mem);
    c->window = c->window_mem = c->spare = NULL;
    c->ahead = NULL;
    c->len = 0;
}

void block_cache_invalidate(struct block_cache *c)
{
    drop_ahead(c);
    c->len = 0;
}

/* The window's memory, for a read from its start. */
static uint8_t *whole_window(struct block_cache *c)
{
    return c->window = c->window_mem;
}

static int backing_read(struct block_cache *c, uint64_t a, void *buf, size_t n)
{
    c->backing_reads++;
    c->backing_bytes += n;
    return mem_read(&c->backing, a, buf, n);
}

/* Fill the window so that it covers [addr, addr+need). The full window
 * may run into unmapped memory: shrink it until the read succeeds. */
/* Clamp the window [*base, *base + *len) to the caller's bounds. */
static bool clamp(struct block_cache *c, uint64_t addr, uint64_t *base, uint64_t *len)
{
    uint64_t lo, hi;
    if (!c->bounds)
        return true;
    if (!c->bounds(c->bounds_arg, addr, &lo, &hi))
        return false;
    if (*base < lo) {
        *len -= lo - *base;
        *base = lo;
    }
    if (*base + *len > hi)
        *len = hi > *base ? hi - *base : 0;
    return *len > 0;
}

/* The stream's range holding ADDR, from where the walk is: or n. */
static size_t stream_range(struct block_cache *c, uint64_t addr)
{
    for (size_t d = 0; d < 2; d++) {
        size_t k = c->stream_at + d;
        if (k < c->nstream && addr >= c->stream[k].lo && addr < c->stream[k].hi)
            return c->stream_at = k;
    }
    for (size_t k = 0; k < c->nstream; k++)
        if (addr >= c->stream[k].lo && addr < c->stream[k].hi)
            return c->stream_at = k;
    return c->nstream;
}

/* Have the helper read a window from NEXT, in the stream's range K. */
static void request_ahead(struct block_cache *c, size_t k, uint64_t next)
{
    uint64_t len = c->stream[k].hi - next;
    len = len < STREAM_READ ? len : STREAM_READ;
    c->ahead_addr = next;
    c->ahead_len = len;
    c->ahead_pending = true;
    read_ahead_request(c->ahead, next, c->spare + STREAM_TAIL, len);
}

/* The window after this one: on in the range the window ends in, or the
 * start of the next range. */
static void read_next_ahead(struct block_cache *c)
{
    if (!c->ahead || c->ahead_pending || !c->len)
        return;
    uint64_t end = c->base + c->len;
    size_t k = stream_range(c, end - 1);
    if (k < c->nstream && end < c->stream[k].hi)
        request_ahead(c, k, end);
    else if (k + 1 < c->nstream)
        request_ahead(c, k + 1, c->stream[k + 1].lo);
}

/* Make the window cover [ADDR, ADDR + NEED) from the helper's read, joined
 * to the tail of the window before it; false if it cannot. */
static bool take_ahead(struct block_cache *c, uint64_t addr, size_t need)
{
    int rc = read_ahead_wait(c->ahead);
    c->ahead_pending = false;
    uint64_t at = c->ahead_addr, got = c->ahead_len;
    uint64_t behind = addr & ~(uint64_t)(PAGE - 1), from = at;
    behind = behind >= PAGE ? behind - PAGE : 0;   /* a page behind, as fill_window keeps */
    if (behind < at && c->len && c->base + c->len == at)
        from = behind > c->base ? behind : c->base;
    if (rc != 0 || addr < from || addr + need > at + got || at - from > STREAM_TAIL)
        return false;
    uint8_t *mem = c->spare, *start = mem + STREAM_TAIL - (at - from);
    if (from < at)
        memcpy(start, c->window + (from - c->base), at - from);
    c->spare = c->window_mem;
    c->window_mem = mem;
    c->window = start;
    c->base = from;
    c->len = at + got - from;
    c->backing_reads++;
    c->backing_bytes += got;
    c->ahead_used++;
    return true;
}

void block_cache_stream(struct block_cache *c, const struct mem_range *ranges, size_t n)
{
    drop_ahead(c);
    c->stream = ranges;
    c->nstream = n;
    c->stream_at = 0;
    if (!n)
        return;
    struct mem_reader concurrent;
    if (!c->ahead && mem_concurrent_reader(&c->backing, &concurrent)) {
        /* both buffers take a read ahead and the tail before it; only a
         * cache that streams needs them that large */
        uint8_t *window = malloc(WINDOW_MEM);
        c->ahead = malloc(sizeof *c->ahead);
        c->spare = c->spare ? c->spare : malloc(WINDOW_MEM);
        if (!window || !c->ahead || !c->spare || !read_ahead_start(c->ahead, &concurrent)) {
            free(window);
            free(c->ahead);
            c->ahead = NULL;
        } else {
            free(c->window_mem);
            c->window = c->window_mem = window;
            c->len = 0;
        }
    }
    if (c->ahead)
        request_ahead(c, 0, ranges[0].lo);
}

static bool fill_window_now(struct block_cache *c, uint64_t addr, size_t need);

static bool fill_window(struct block_cache *c, uint64_t addr, size_t need)
{
    if (c->ahead_pending && take_ahead(c, addr, need)) {
        read_next_ahead(c);
        return true;
    }
    bool ok = fill_window_now(c, addr, need);
    if (ok && c->nstream)
        read_next_ahead(c);
    return ok;
}

static bool fill_window_now(struct block_cache *c, uint64_t addr, size_t need)
{
    uint64_t base = addr & ~(uint64_t)(PAGE - 1);
    uint64_t min_end = addr + need;
    /* keep a page behind: walks read the next chunk's header, then peek
     * back at the chunk they are on (without it every window boundary
     * costs a second window read) */
    if (!c->centered && base >= PAGE && c->len && addr >= c->base + c->len)
        base -= PAGE;
    /* a list freed in random order jumps around the heap: a miss far from
     * the last window reads the cache line it needs, not a whole window
     * (the kernel copies what is asked; the next miss nearby reads one) */
    bool scattered = c->centered && c->len &&
                     (addr + c->window_size < c->base ||
                      addr > c->base + c->len + c->window_size);
    uint64_t line = addr & ~(uint64_t)(SCATTERED_READ - 1);
    if (c->bounds) {
        bool one_line = scattered && min_end <= line + SCATTERED_READ;
        uint64_t b = one_line ? line : base, len = one_line ? SCATTERED_READ : c->window_size;
        if (!one_line && c->centered) {
            /* as below, then within the bounds: a list walked downwards
             * (LuaJIT's, newest first, over segments mapped top-down) read
             * in windows from its miss upwards used one page of each */
            uint64_t back = c->len && addr < c->base ? len - 2 * PAGE : len / 2;
            b = base > back ? base - back : 0;
        }
        if (!clamp(c, addr, &b, &len) || b > addr || b + len < min_end ||
            backing_read(c, b, whole_window(c), len) != 0) {
            c->len = 0;
            return false;      /* cached_read then reads exactly */
        }
        c->base = b;
        c->len = len;
        return true;
    }
    /* free lists run in either direction: follow the direction of travel */
    bool down = c->len && addr < c->base;
    for (uint64_t len = c->window_size; c->centered && len >= 4 * PAGE; len /= 2) {
        uint64_t back = down ? len - 2 * PAGE : len / 2;
        uint64_t b = base > back ? base - back : 0;
        if (b + len >= min_end && backing_read(c, b, whole_window(c), len) == 0) {
            c->base = b;
            c->len = len;
            return true;
        }
    }
    for (uint64_t len = c->window_size; len >= PAGE; len /= 2) {
        if (base + len < min_end)
            break;
        if (backing_read(c, base, whole_window(c), len) == 0) {
            c->base = base;
            c->len = len;
            return true;
        }
    }
    uint64_t exact = min_end - base;
    if (exact <= c->window_size && backing_read(c, base, whole_window(c), exact) == 0) {
        c->base = base;
        c->len = exact;
        return true;
    }
    c->len = 0;
    return false;
}

bool block_cache_refill_cover(struct block_cache *c, uint64_t addr, size_t need)
{
    return need <= c->window_size / 2 && fill_window(c, addr, need);
}

static int cached_read(void *ctx, uint64_t addr, void *buf, size_t n)
{
    struct block_cache *c = ctx;
    if (addr + n < addr)
        return -1;
    if (c->len && addr >= c->base && addr + n <= c->base + c->len) {
        memcpy(buf, c->window + (addr - c->base), n);
        return 0;
    }
    if (n > c->window_size / 2)  /* big reads: no point copying twice */
        return backing_read(c, addr, buf, n);
    if (!fill_window(c, addr, n))
        return backing_read(c, addr, buf, n);
    memcpy(buf, c->window + (addr - c->base), n);
    return 0;
}

static bool cached_symbol(void *ctx, const char *name, uint64_t *addr)
{
    struct block_cache *c = ctx;
    return mem_symbol(&c->backing, name, addr);
}

static bool cached_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct block_cache *c = ctx;
    return mem_progress(&c->backing, done, total);
}

static bool cached_quiet_extent(void *ctx, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    struct block_cache *c = ctx;
    return mem_quiet_extent(&c->backing, addr, lo, hi);
}

enum { SPAN_BATCH = 1024 };   /* process_vm_readv takes as many */

/* MISS[0..M) in one batch to the target, else each through the window;
 * AT says which of SPANS each one is. */
static void read_misses(struct block_cache *c, struct mem_span *spans, struct mem_span *miss,
                        const size_t *at, size_t m)
{
    bool batched = c->backing.read_spans(c->backing.ctx, miss, m);
    c->backing_reads += batched;
    for (size_t k = 0; k < m; k++) {
        spans[at[k]].ok = batched ? miss[k].ok
                                  : cached_read(c, miss[k].addr, miss[k].buf, miss[k].len) == 0;
        c->backing_bytes += batched ? miss[k].len : 0;
    }
}

/* Spans in the window are copied from it; a lone miss is read as any
 * other (a list freed in order stays in one window); several misses go
 * to the target in one batch when it can, scattered as they are. */
static bool cached_read_spans(void *ctx, struct mem_span *spans, size_t n)
{
    struct block_cache *c = ctx;
    struct mem_span miss[SPAN_BATCH];
    size_t at[SPAN_BATCH], m = 0, misses = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *in = block_cache_peek(c, spans[i].addr, spans[i].len);
        if (in)
            memcpy(spans[i].buf, in, spans[i].len);
        spans[i].ok = in != NULL;
        misses += !in;
    }
    bool batch = misses > 1 && c->backing.read_spans;
    for (size_t i = 0; i < n; i++) {
        if (spans[i].ok)
            continue;
        if (!batch) {
            spans[i].ok = cached_read(c, spans[i].addr, spans[i].buf, spans[i].len) == 0;
            continue;
        }
        miss[m] = spans[i];
        at[m++] = i;
        if (m == SPAN_BATCH) {
            read_misses(c, spans, miss, at, m);
            m = 0;
        }
    }
    if (m)
        read_misses(c, spans, miss, at, m);
    return true;
}

/* The backing's: a cache has state no second thread may share. */
static bool cached_concurrent_reader(void *ctx, struct mem_reader *out)
{
    struct block_cache *c = ctx;
    return mem_concurrent_reader(&c->backing, out);
}

struct mem_reader block_cache_reader(struct block_cache *c)
{
    struct mem_reader r = { cached_read, cached_symbol, cached_progress, c, cached_quiet_extent,
                            cached_read_spans, cached_concurrent_reader };
    return r;
}

void block_cache_set_window(struct block_cache *c, uint64_t size)
{
    if (size >= PAGE && size <= BLOCK_CACHE_WINDOW && !(size & (size - 1)))
        c->window_size = size;
    c->len = 0;
}

bool block_cache_prefetch_below(struct block_cache *c, uint64_t addr)
{
    uint64_t top = (addr & ~(uint64_t)(PAGE - 1)) + 2 * PAGE;
    if (c->bounds) {
        uint64_t len = c->window_size, b = top > len ? top - len : 0;
        if (!clamp(c, addr, &b, &len) || b > addr ||
            backing_read(c, b, whole_window(c), len) != 0) {
            c->len = 0;
            return false;
        }
        c->base = b;
        c->len = len;
        return true;
    }
    for (uint64_t len = c->window_size; len >= 2 * PAGE; len /= 2) {
        if (top < len)
            continue;
        if (backing_read(c, top - len, whole_window(c), len) == 0) {
            c->base = top - len;
            c->len = len;
            return true;
        }
    }
    c->len = 0;
    return false;
}
