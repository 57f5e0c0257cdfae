#include "heap_index.h"

#include "grow_array.h"
#include "huge_array.h"
#include "lower_bound.h"

#include <stdlib.h>
#include <string.h>

bool heap_index_region(struct heap_index *x, uint64_t start, uint64_t end)
{
    start = (start + HEAP_GRANULE - 1) & ~(uint64_t)(HEAP_GRANULE - 1);
    end &= ~(uint64_t)(HEAP_GRANULE - 1);
    if (end <= start || x->starts)
        return end <= start;
    if (!grow_array(&x->regions, &x->regions_cap, x->nregions, sizeof *x->regions, 16)) {
        x->oom = true;
        return false;
    }
    x->regions[x->nregions++] = (struct heap_region){ start, end, 0, 0 };
    return true;
}

static int by_start(const void *a, const void *b)
{
    const struct heap_region *p = a, *q = b;
    return p->start < q->start ? -1 : p->start > q->start;
}

static size_t words_for(uint64_t bits)
{
    return (size_t)((bits + 63) / 64);
}

static void add_page(struct heap_index *x, uint64_t page, size_t region)
{
    for (uint64_t h = heap_index_page_hash(page) & x->page_mask;; h = (h + 1) & x->page_mask) {
        if ((uint32_t)x->pages[h] == page + 1)
            return;       /* an earlier region's: the first on the page */
        if (!x->pages[h]) {
            x->pages[h] = (uint64_t)region << 32 | (page + 1);
            return;
        }
    }
}

/* The pages the (sorted) regions touch, each with the first of them. */
static bool hash_pages(struct heap_index *x)
{
    uint64_t pages = 0, cap = 64;
    for (size_t r = 0; r < x->nregions; r++)
        pages += ((x->regions[r].end - 1) >> HEAP_PAGE_SHIFT) -
                 (x->regions[r].start >> HEAP_PAGE_SHIFT) + 1;
    while (cap < 2 * pages + 64)
        cap *= 2;
    x->pages = calloc(cap, sizeof *x->pages);
    x->page_mask = cap - 1;
    if (!x->pages)
        return false;
    for (size_t r = 0; r < x->nregions; r++)
        for (uint64_t p = x->regions[r].start >> HEAP_PAGE_SHIFT;
             p <= (x->regions[r].end - 1) >> HEAP_PAGE_SHIFT; p++)
            add_page(x, p, r);
    return true;
}

bool heap_index_begin(struct heap_index *x)
{
    if (x->oom)
        return false;
    qsort(x->regions, x->nregions, sizeof *x->regions, by_start);
    /* overlapping regions (a corrupt arena naming one twice): the later
     * is cut to begin where the earlier ends */
    uint64_t g = 0, end = 0;
    size_t n = 0;
    for (size_t i = 0; i < x->nregions; i++) {
        struct heap_region r = x->regions[i];
        if (r.start < end)
            r.start = end;
        if (r.end <= r.start)
            continue;
        r.granule_base = g;
        g += (r.end - r.start) / HEAP_GRANULE;
        end = r.end;
        x->regions[n++] = r;
    }
    x->nregions = n;
    x->ngranules = g;
    size_t bytes = (words_for(g) + HEAP_RANK_WORDS) * 8;
    x->starts = huge_array_alloc(bytes);
    x->used_starts = huge_array_alloc(bytes);
    x->oom = !x->starts || !x->used_starts || !hash_pages(x);
    return !x->oom;
}

static bool bit(const uint64_t *v, uint64_t i)
{
    return (v[i / 64] >> (i % 64)) & 1;
}

void heap_index_add(struct heap_index *x, uint64_t addr, uint64_t size, bool in_use)
{
    if (!x->starts || x->built || (addr & (HEAP_GRANULE - 1)))
        return;
    /* a walk adds a region's chunks in order: the region of the last one */
    const struct heap_region *g = &x->regions[x->hint < x->nregions ? x->hint : 0];
    if (addr < g->start || addr >= g->end) {
        int64_t r = heap_index_region_at(x, addr);
        if (r < 0)
            return;
        x->hint = (size_t)r;
        g = &x->regions[r];
    }
    uint64_t gi = g->granule_base + (addr - g->start) / HEAP_GRANULE;
    if (bit(x->starts, gi))
        return;   /* walked twice */
    x->starts[gi / 64] |= 1ull << (gi % 64);
    if (in_use) {
        x->used_starts[gi / 64] |= 1ull << (gi % 64);
        x->used_chunks++;
        x->used_bytes += size;
    }
}

/* The counts before each HEAP_RANK_WORDS words of starts; the chunks. */
__attribute__((target_clones("popcnt", "default")))
static uint64_t count_starts(struct heap_index *x, size_t words)
{
    uint64_t n = 0;
    for (size_t w = 0; w < words; w++) {
        if (w % HEAP_RANK_WORDS == 0)
            x->rank[w / HEAP_RANK_WORDS] = (uint32_t)n;
        n += (uint64_t)__builtin_popcountll(x->starts[w]);
    }
    x->rank[words / HEAP_RANK_WORDS + 1] = (uint32_t)n;
    if (words % HEAP_RANK_WORDS == 0)
        x->rank[words / HEAP_RANK_WORDS] = (uint32_t)n;
    return n;
}

/* Chunks starting at granules before G (with the CPU's popcount where it
 * has one: the compiler's fallback costs a call a word). */
__attribute__((target_clones("popcnt", "default")))
static uint64_t rank_before(const struct heap_index *x, uint64_t g)
{
    uint64_t w = g / 64, b = w / HEAP_RANK_WORDS, n = x->rank[b];
    for (uint64_t k = b * HEAP_RANK_WORDS; k < w; k++)
        n += (uint64_t)__builtin_popcountll(x->starts[k]);
    uint64_t mask = g % 64 ? (1ull << (g % 64)) - 1 : 0;
    return n + (uint64_t)__builtin_popcountll(x->starts[w] & mask);
}

bool heap_index_finish(struct heap_index *x)
{
    if (x->oom || !x->starts)
        return false;
    size_t words = words_for(x->ngranules), blocks = words / HEAP_RANK_WORDS + 2;
    x->rank = calloc(blocks, sizeof *x->rank);
    if (!x->rank) {
        x->oom = true;
        return false;
    }
    uint64_t n = count_starts(x, words);
    x->nchunks = n;
    for (size_t r = 0; r < x->nregions; r++)
        x->regions[r].first_chunk = rank_before(x, x->regions[r].granule_base);
    x->in_use = calloc(words_for(n) + 1, 8);
    if (!x->in_use) {
        x->oom = true;
        return false;
    }
    uint64_t i = 0;
    for (size_t w = 0; w < words; w++)
        for (uint64_t m = x->starts[w]; m; m &= m - 1, i++)
            if ((x->used_starts[w] >> __builtin_ctzll(m)) & 1)
                x->in_use[i / 64] |= 1ull << (i % 64);
    huge_array_free(x->used_starts, (words + HEAP_RANK_WORDS) * 8);
    x->used_starts = NULL;
    x->built = true;
    return true;
}

void heap_index_free(struct heap_index *x)
{
    size_t bytes = (words_for(x->ngranules) + HEAP_RANK_WORDS) * 8;
    if (x->starts)
        huge_array_free(x->starts, bytes);
    if (x->used_starts)
        huge_array_free(x->used_starts, bytes);
    free(x->rank);
    free(x->pages);
    free(x->in_use);
    free(x->regions);
    memset(x, 0, sizeof *x);
}

/* The last chunk start at or before granule G, not before granule FLOOR;
 * -1 if none. */
static int64_t start_at_or_before(const struct heap_index *x, uint64_t g, uint64_t floor)
{
    uint64_t w = g / 64, m = x->starts[w] & (g % 64 == 63 ? ~0ull : (2ull << (g % 64)) - 1);
    for (;;) {
        if (m) {
            uint64_t s = w * 64 + 63 - (uint64_t)__builtin_clzll(m);
            return s >= floor ? (int64_t)s : -1;
        }
        if (w == 0 || w * 64 <= floor)
            return -1;
        m = x->starts[--w];
    }
}

/* The first chunk start after granule G, or LIMIT. */
static uint64_t next_start(const struct heap_index *x, uint64_t g, uint64_t limit)
{
    uint64_t s = g + 1;
    if (s >= limit)
        return limit;
    uint64_t w = s / 64, m = x->starts[w] & (~0ull << (s % 64));
    while (!m) {
        if (++w * 64 >= limit)
            return limit;
        m = x->starts[w];
    }
    uint64_t n = w * 64 + (uint64_t)__builtin_ctzll(m);
    return n < limit ? n : limit;
}

static void extent(const struct heap_index *x, const struct heap_region *r, uint64_t g,
                   uint64_t *start, uint64_t *size)
{
    uint64_t limit = r->granule_base + (r->end - r->start) / HEAP_GRANULE;
    *start = r->start + (g - r->granule_base) * HEAP_GRANULE;
    *size = (next_start(x, g, limit) - g) * HEAP_GRANULE;
}

/* The granule where the chunk holding ADDR starts (and its region), or -1. */
static int64_t start_granule(const struct heap_index *x, uint64_t addr,
                             const struct heap_region **region)
{
    if (!x->built)
        return -1;
    int64_t ri = heap_index_region_at(x, addr);
    if (ri < 0)
        return -1;
    const struct heap_region *r = *region = &x->regions[ri];
    return start_at_or_before(x, r->granule_base + (addr - r->start) / HEAP_GRANULE,
                              r->granule_base);
}

int64_t heap_index_find(const struct heap_index *x, uint64_t addr, uint64_t *start,
                        uint64_t *size)
{
    const struct heap_region *r;
    int64_t s = start_granule(x, addr, &r);
    if (s < 0)
        return -1;
    if (size)
        extent(x, r, (uint64_t)s, start, size);
    else
        *start = r->start + ((uint64_t)s - r->granule_base) * HEAP_GRANULE;
    return (int64_t)rank_before(x, (uint64_t)s);
}

bool heap_index_extent(const struct heap_index *x, uint64_t addr, uint64_t *start,
                       uint64_t *size)
{
    const struct heap_region *r;
    int64_t s = start_granule(x, addr, &r);
    if (s >= 0)
        extent(x, r, (uint64_t)s, start, size);
    return s >= 0;
}

uint64_t heap_index_size(const struct heap_index *x, uint64_t start)
{
    int64_t ri = heap_index_region_at(x, start);
    if (ri < 0)
        return 0;
    const struct heap_region *r = &x->regions[ri];
    uint64_t g = r->granule_base + (start - r->start) / HEAP_GRANULE;
    uint64_t limit = r->granule_base + (r->end - r->start) / HEAP_GRANULE;
    return (next_start(x, g, limit) - g) * HEAP_GRANULE;
}

/* The granule where chunk I starts. */
static uint64_t select_chunk(const struct heap_index *x, uint64_t i)
{
    size_t blocks = words_for(x->ngranules) / HEAP_RANK_WORDS + 1;
    size_t b = FIRST_WHERE(blocks, k, x->rank[k + 1] > i);
    uint64_t left = i - x->rank[b];
    for (uint64_t w = (uint64_t)b * HEAP_RANK_WORDS;; w++) {
        uint64_t m = x->starts[w];
        uint64_t c = (uint64_t)__builtin_popcountll(m);
        if (left < c) {
            while (left--)
                m &= m - 1;
            return w * 64 + (uint64_t)__builtin_ctzll(m);
        }
        left -= c;
    }
}

static size_t region_of_granule(const struct heap_index *x, uint64_t g)
{
    return FIRST_WHERE(x->nregions, k,
                       x->regions[k].granule_base +
                           (x->regions[k].end - x->regions[k].start) / HEAP_GRANULE > g);
}

bool heap_index_chunk(const struct heap_index *x, uint64_t i, uint64_t *start, uint64_t *size)
{
    if (!x->built || i >= x->nchunks)
        return false;
    uint64_t g = select_chunk(x, i);
    extent(x, &x->regions[region_of_granule(x, g)], g, start, size);
    return true;
}

bool heap_index_seek(const struct heap_index *x, uint64_t i, struct heap_cursor *c)
{
    if (!x->built || i >= x->nchunks)
        return false;
    c->granule = select_chunk(x, i);
    c->region = region_of_granule(x, c->granule);
    c->chunk = i;
    return true;
}

bool heap_index_next(const struct heap_index *x, struct heap_cursor *c, uint64_t *i,
                     uint64_t *start, uint64_t *size)
{
    if (c->chunk >= x->nchunks || c->region >= x->nregions)
        return false;
    const struct heap_region *r = &x->regions[c->region];
    uint64_t limit = r->granule_base + (r->end - r->start) / HEAP_GRANULE;
    uint64_t n = next_start(x, c->granule, limit);
    *i = c->chunk++;
    *start = r->start + (c->granule - r->granule_base) * HEAP_GRANULE;
    *size = (n - c->granule) * HEAP_GRANULE;
    c->last = n >= limit;
    /* on to the next start: in this region, or the first of a later one */
    while (n >= limit && ++c->region < x->nregions) {
        r = &x->regions[c->region];
        limit = r->granule_base + (r->end - r->start) / HEAP_GRANULE;
        n = bit(x->starts, r->granule_base) ? r->granule_base : next_start(x, r->granule_base, limit);
    }
    c->granule = n;
    return true;
}

uint64_t heap_index_usable(const struct heap_index *x, uint64_t start, uint64_t size)
{
    int64_t r = heap_index_region_at(x, start);
    if (r < 0 || size < HEAP_GRANULE)
        return 0;
    bool last = start + size >= x->regions[r].end;
    return last ? size - HEAP_GRANULE : size - 8;
}

void heap_index_each(const struct heap_index *x, heap_index_fn fn, void *arg)
{
    uint64_t i = 0;
    for (size_t r = 0; r < x->nregions && x->built; r++) {
        const struct heap_region *g = &x->regions[r];
        uint64_t first = g->granule_base, limit = first + (g->end - g->start) / HEAP_GRANULE;
        uint64_t at = UINT64_MAX;    /* the chunk met last, given when the next starts */
        /* the starts' bits in order: no search a chunk */
        for (uint64_t w = first / 64; w * 64 < limit; w++) {
            uint64_t m = x->starts[w];
            if (w == first / 64)
                m &= ~0ull << (first % 64);
            if ((w + 1) * 64 > limit)
                m &= (1ull << (limit % 64)) - 1;
            for (; m; m &= m - 1) {
                uint64_t s = w * 64 + (uint64_t)__builtin_ctzll(m);
                if (at != UINT64_MAX)
                    fn(arg, i++, g->start + (at - first) * HEAP_GRANULE, (s - at) * HEAP_GRANULE);
                at = s;
            }
        }
        if (at != UINT64_MAX)
            fn(arg, i++, g->start + (at - first) * HEAP_GRANULE, (limit - at) * HEAP_GRANULE);
    }
}
