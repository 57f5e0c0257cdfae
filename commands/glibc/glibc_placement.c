#include "glibc_placement.h"

#include "grow_array.h"
#include "lower_bound.h"

#include <stdlib.h>
#include <string.h>

enum { SLOTS = PLACEMENT_EXACT_LIMIT / GLIBC_MALLOC_ALIGN, WORDS = SLOTS / 64,
       SUMMARY = WORDS / 64 };

static bool sizes_init(struct placement_sizes *s)
{
    memset(s, 0, sizeof *s);
    s->count = calloc(SLOTS, sizeof *s->count);
    return s->count != NULL;
}

static void sizes_release(struct placement_sizes *s)
{
    free(s->count);
    free(s->big);
    memset(s, 0, sizeof *s);
}

static bool sizes_add(struct placement_sizes *s, uint64_t size)
{
    if (size < PLACEMENT_EXACT_LIMIT) {
        s->count[size / GLIBC_MALLOC_ALIGN]++;
        return true;
    }
    if (!grow_array(&s->big, &s->bigcap, s->nbig, sizeof *s->big, 64))
        return false;
    s->big[s->nbig++] = size;
    return true;
}

bool glibc_placement_begin(struct glibc_placement *p, int arena, uint64_t mmap_threshold,
                           uint64_t page_size)
{
    memset(p, 0, sizeof *p);
    p->arena = arena;
    p->mmap_threshold = mmap_threshold;
    p->page_size = page_size && !(page_size & (page_size - 1)) ? page_size : 4096;
    p->oom = !sizes_init(&p->demand) || !sizes_init(&p->holes);
    return !p->oom;
}

void glibc_placement_release(struct glibc_placement *p)
{
    sizes_release(&p->demand);
    sizes_release(&p->holes);
}

void glibc_placement_chunk(void *arg, const struct glibc_chunk *c)
{
    struct glibc_placement *p = arg;
    if (c->arena != p->arena || p->oom)
        return;
    switch (c->cls) {
    case CH_IN_USE:
        if (!sizes_add(&p->demand, c->size))
            p->oom = true;
        break;
    case CH_TOP:
        p->top_size += c->size;
        break;
    case CH_FENCEPOST:
        break;
    default:
        if (!sizes_add(&p->holes, c->size))
            p->oom = true;
    }
}

/* The free chunks as the placement consumes them: exact sizes with a
 * two-level bitmap of the non-empty ones (finding the smallest hole that
 * fits is a few word scans), the big ones sorted ascending. */
struct hole_index {
    struct placement_sizes *s;
    uint64_t bits[WORDS], summary[SUMMARY];
    bool oom;
};

static void mark(struct hole_index *x, size_t slot, bool on)
{
    size_t w = slot / 64;
    if (on)
        x->bits[w] |= 1ull << (slot % 64);
    else
        x->bits[w] &= ~(1ull << (slot % 64));
    if (x->bits[w])
        x->summary[w / 64] |= 1ull << (w % 64);
    else
        x->summary[w / 64] &= ~(1ull << (w % 64));
}

/* The smallest non-empty slot >= SLOT, or SLOTS. */
static size_t next_slot(const struct hole_index *x, size_t slot)
{
    size_t w = slot / 64;
    uint64_t here = x->bits[w] & (~0ull << (slot % 64));
    if (here)
        return w * 64 + (size_t)__builtin_ctzll(here);
    for (size_t sw = (w + 1) / 64; sw < SUMMARY; sw++) {
        uint64_t m = x->summary[sw];
        if (sw == (w + 1) / 64)
            m &= (w + 1) % 64 ? ~0ull << ((w + 1) % 64) : ~0ull;
        if (m) {
            size_t word = sw * 64 + (size_t)__builtin_ctzll(m);
            return word * 64 + (size_t)__builtin_ctzll(x->bits[word]);
        }
    }
    return SLOTS;
}

static int ascending(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The index of the first big hole >= SIZE (nbig: none). */
static size_t big_at_least(const struct placement_sizes *s, uint64_t size)
{
    return FIRST_WHERE(s->nbig, i, s->big[i] >= size);
}

static void hole_add(struct hole_index *x, uint64_t size)
{
    struct placement_sizes *s = x->s;
    if (size < PLACEMENT_EXACT_LIMIT) {
        if (s->count[size / GLIBC_MALLOC_ALIGN]++ == 0)
            mark(x, size / GLIBC_MALLOC_ALIGN, true);
        return;
    }
    if (!grow_array(&s->big, &s->bigcap, s->nbig, sizeof *s->big, 64)) {
        x->oom = true;
        return;
    }
    size_t i = big_at_least(s, size);
    memmove(&s->big[i + 1], &s->big[i], (s->nbig - i) * sizeof *s->big);
    s->big[i] = size;
    s->nbig++;
}

/* Take the smallest hole >= SIZE: its size, or 0 when none is. */
static uint64_t hole_take(struct hole_index *x, uint64_t size)
{
    struct placement_sizes *s = x->s;
    if (size < PLACEMENT_EXACT_LIMIT) {
        size_t slot = next_slot(x, size / GLIBC_MALLOC_ALIGN);
        if (slot < SLOTS) {
            if (--s->count[slot] == 0)
                mark(x, slot, false);
            return (uint64_t)slot * GLIBC_MALLOC_ALIGN;
        }
    }
    size_t i = big_at_least(s, size);
    if (i == s->nbig)
        return 0;
    uint64_t h = s->big[i];
    memmove(&s->big[i], &s->big[i + 1], (s->nbig - i - 1) * sizeof *s->big);
    s->nbig--;
    return h;
}

/* Place N chunks of SIZE; what no hole takes is returned (bytes). */
static uint64_t place(struct hole_index *x, uint64_t size, uint64_t n, uint64_t *fit)
{
    while (n) {
        uint64_t h = hole_take(x, size);
        if (!h)
            break;
        if (h == size && size < PLACEMENT_EXACT_LIMIT) {
            /* the rest of the exact holes at once */
            uint64_t *c = &x->s->count[size / GLIBC_MALLOC_ALIGN];
            uint64_t k = *c < n - 1 ? *c : n - 1;
            *c -= k;
            if (*c == 0)
                mark(x, size / GLIBC_MALLOC_ALIGN, false);
            *fit += (k + 1) * size;
            n -= k + 1;
            continue;
        }
        /* best fit splits: while the remainder still holds a chunk it is
         * the smallest hole that fits the next one */
        uint64_t k = h / size < n ? h / size : n, rest = h - k * size;
        *fit += k * size;
        n -= k;
        if (rest >= GLIBC_MINSIZE)
            hole_add(x, rest);
    }
    return n * size;
}

static int descending(const void *a, const void *b)
{
    return ascending(b, a);
}

/* What glibc does with N requests of SIZE that no free chunk takes:
 * the top gives while it keeps a minimal chunk; then a request at the
 * mmap threshold is mmapped (sysmalloc), a smaller one grows the heap by
 * what the top lacks plus top_pad, in pages (the rest is the new top). */
struct top_model {
    uint64_t left;               /* the top chunk now */
    uint64_t first_left;         /* what is left of the top there was, bar a minimal chunk */
    uint64_t threshold, top_pad, page;
    struct placement_prediction *out;
};

static struct top_model top_model(uint64_t top, uint64_t threshold, uint64_t top_pad,
                                  uint64_t page, struct placement_prediction *out)
{
    return (struct top_model){ top, top > GLIBC_MINSIZE ? top - GLIBC_MINSIZE : 0, threshold,
                               top_pad, page ? page : 4096, out };
}

/* K chunks of SIZE taken from the top: what of it was there before counts
 * as placed into the top, the rest is growth's. */
static void take_top(struct top_model *t, uint64_t size, uint64_t k)
{
    uint64_t from_first = k * size < t->first_left ? k * size : t->first_left;
    t->first_left -= from_first;
    t->out->top_bytes += from_first;
    t->left -= k * size;
}

static void from_top(struct top_model *t, uint64_t size, uint64_t n)
{
    struct placement_prediction *out = t->out;
    while (n && size) {
        uint64_t fit = t->left > GLIBC_MINSIZE ? (t->left - GLIBC_MINSIZE) / size : 0;
        uint64_t k = fit < n ? fit : n;
        take_top(t, size, k);
        n -= k;
        if (!n)
            break;
        if (t->threshold && size >= t->threshold) {
            out->mmapped_bytes += n * size;
            out->mmapped_chunks += n;
            /* each maps the chunk and its size word, page-rounded */
            out->mmapped_mapped += n * ((size + 8 + t->page - 1) & ~(t->page - 1));
            return;
        }
        /* the heap grows under the top: one chunk takes both */
        uint64_t need = size + GLIBC_MINSIZE - t->left + t->top_pad;
        uint64_t grow = (need + t->page - 1) / t->page * t->page;
        out->growth_bytes += grow;
        t->left += grow;
        take_top(t, size, 1);
        n--;
    }
}

/* The demand of P placed in the free chunks X indexes (best fit, biggest
 * first), then the top T models. */
static void place_demand(struct glibc_placement *p, struct hole_index *x, struct top_model *t)
{
    struct placement_prediction *out = t->out;
    for (size_t i = 0; i < p->demand.nbig; i++) {
        out->demand_bytes += p->demand.big[i];
        out->demand_chunks++;
        uint64_t unplaced = place(x, p->demand.big[i], 1, &out->fit_bytes);
        if (unplaced)
            from_top(t, p->demand.big[i], 1);
    }
    for (size_t slot = SLOTS; slot-- > 0;) {
        uint64_t n = p->demand.count[slot], size = (uint64_t)slot * GLIBC_MALLOC_ALIGN;
        if (!n)
            continue;
        out->demand_bytes += n * size;
        out->demand_chunks += n;
        uint64_t unplaced = place(x, size, n, &out->fit_bytes);
        if (unplaced)
            from_top(t, size, unplaced / size);
    }
}

bool glibc_placement_predict(struct glibc_placement *p, uint64_t top_pad, uint64_t page_size,
                             struct placement_prediction *out)
{
    memset(out, 0, sizeof *out);
    if (p->oom)
        return false;
    static struct hole_index x;      /* 130 KiB of bitmaps: not on the stack */
    memset(&x, 0, sizeof x);
    x.s = &p->holes;
    for (size_t slot = 0; slot < SLOTS; slot++) {
        out->free_bytes += p->holes.count[slot] * slot * GLIBC_MALLOC_ALIGN;
        if (p->holes.count[slot])
            mark(&x, slot, true);
    }
    for (size_t i = 0; i < p->holes.nbig; i++)
        out->free_bytes += p->holes.big[i];
    if (p->holes.nbig)
        qsort(p->holes.big, p->holes.nbig, sizeof *p->holes.big, ascending);
    if (p->demand.nbig)
        qsort(p->demand.big, p->demand.nbig, sizeof *p->demand.big, descending);
    struct top_model t = top_model(p->top_size, p->mmap_threshold, top_pad, page_size, out);
    place_demand(p, &x, &t);
    return !x.oom;
}

bool glibc_placement_fresh(struct glibc_placement *p, uint64_t mmap_threshold, uint64_t top_pad,
                           uint64_t page_size, struct placement_prediction *start,
                           struct placement_prediction *reload)
{
    memset(start, 0, sizeof *start);
    memset(reload, 0, sizeof *reload);
    if (p->oom)
        return false;
    /* no free chunks: the old configuration is still in use at a reload */
    static struct hole_index none;
    struct placement_sizes empty = { 0 };
    memset(&none, 0, sizeof none);
    none.s = &empty;
    if (p->demand.nbig)
        qsort(p->demand.big, p->demand.nbig, sizeof *p->demand.big, descending);
    struct top_model t = top_model(0, mmap_threshold, top_pad, page_size, start);
    place_demand(p, &none, &t);
    t = top_model(t.left, mmap_threshold, top_pad, page_size, reload);
    place_demand(p, &none, &t);
    free(empty.big);
    return !none.oom;
}
