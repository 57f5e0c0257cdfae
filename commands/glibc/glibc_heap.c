#include "glibc_heap.h"

#include "grow_array.h"
#include "lower_bound.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    PAGE = 4096,
    LIST_LIMIT = 50000000,       /* chunks per free list before we stop */
    PROBE_LIMIT = 64 << 20,      /* how far below a chunk a segment may start */
    PROBE_FAIL_RUN = 4 << 20,    /* no chunk chain for this long: not our segment */
    PROGRESS_EVERY = 1 << 16,
    SEARCH_FANOUT = 64,          /* segment starts per block of glibc_heap_segment_at */
    BINS_BUDGET_SHARE = 16,      /* bins holding more than 1/16 of the binned chunks */
    BINS_BUDGET_MIN = 1 << 16,   /* (or 64K): the unsorted lists are followed instead */
};

const char *glibc_segment_kind_id(enum segment_kind k)
{
    return k == SEG_BRK ? "brk_heap" : k == SEG_MMAP ? "mmap_segment" : "thread_heap";
}

const char *const chunk_class_names[CH_COUNT] = {
    "in_use", "tcache", "fastbin", "unsorted", "small", "large", "top", "fencepost",
};

static uint64_t u64_at(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void warn(struct glibc_heap *h, const char *fmt, ...)
{
    size_t n = strlen(h->warnings);
    if (n + 4 >= sizeof h->warnings)
        return;
    if (n)
        n += (size_t)snprintf(h->warnings + n, sizeof h->warnings - n, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->warnings + n, sizeof h->warnings - n, fmt, ap);
    va_end(ap);
}

static bool chunk_size(struct glibc_heap *h, uint64_t p, uint64_t *size_field)
{
    return block_cache_u64(&h->cache, p + 8, size_field);
}

static uint64_t align16(uint64_t a)
{
    return (a + 15) & ~(uint64_t)15;
}

static int add_segment(struct glibc_heap *h, int arena, enum segment_kind kind,
                       uint64_t start, uint64_t end, uint64_t heap_info)
{
    if (h->nsegments >= GLIBC_MAX_SEGMENTS)
        return -1;
    if (!grow_array(&h->segments, &h->segments_cap, (size_t)h->nsegments,
                    sizeof *h->segments, 64))
        return -1;
    struct glibc_segment *s = &h->segments[h->nsegments];
    s->start = start;
    s->end = end;
    s->arena = arena;
    s->kind = kind;
    s->heap_info = heap_info;
    s->guessed = false;
    return h->nsegments++;
}

static bool read_arena(struct glibc_heap *h, uint64_t addr, struct glibc_arena *a,
                       uint64_t *next)
{
    const struct glibc_layout *L = h->st.L;
    uint8_t b[0x900];
    if (mem_read(&h->mem, addr, b, L->ms_size) != 0)
        return false;
    memset(a, 0, sizeof *a);
    a->addr = addr;
    uint32_t flags;
    memcpy(&flags, b + L->ms_flags, 4);
    a->noncontiguous = flags & 2;
    a->top = u64_at(b + L->ms_top);
    a->system_mem = u64_at(b + L->ms_system_mem);
    a->attached_threads = u64_at(b + L->ms_attached_threads);
    for (uint32_t i = 0; i < L->nfastbins; i++)
        a->fastbins[i] = u64_at(b + L->ms_fastbins + 8 * (uint64_t)i);
    a->unsorted_fd = u64_at(b + L->ms_bins);
    *next = u64_at(b + L->ms_next);
    uint64_t tsz;
    if (!chunk_size(h, a->top, &tsz))
        return false;
    a->top_size = glibc_chunksize(tsz);
    return true;
}

/* Bin BIN's head in arena ARENA as glibc sees it: a pseudo-chunk whose
 * fd and bk are the bin's (bin 1 is the unsorted one; a fresh arena's
 * top is there too). */
static uint64_t bin_head(const struct glibc_heap *h, int arena, int bin)
{
    return h->arenas[arena].addr + h->st.L->ms_bins + 16 * (uint64_t)(bin - 1) - 16;
}

static uint64_t unsorted_head(const struct glibc_heap *h, int arena)
{
    return bin_head(h, arena, 1);
}

/* Does the chunk chain starting at S land exactly on TARGET (or on STOP,
 * a start already known to chain to TARGET)? */
static bool chains_to(struct glibc_heap *h, uint64_t s, uint64_t target, uint64_t stop,
                      uint64_t top)
{
    uint64_t p = s, sz;
    while (p < target) {
        if (p == stop)
            return true;
        if (p == top)
            return false;       /* the top chunk ends its segment */
        if (!chunk_size(h, p, &sz))
            return false;
        sz = glibc_chunksize(sz);
        /* a fencepost ends a segment: P's chain cannot pass one */
        if (sz < GLIBC_MINSIZE || (sz & 15) || p + sz > target)
            return false;
        p += sz;
    }
    return p == target;
}

/* Do the two chunks below S form a double fencepost, the end of a
 * segment? Then one starts at S: mmapped segments often lie side by side,
 * and probing on below would test every page of the lower one. */
static bool fencepost_below(struct glibc_heap *h, uint64_t s)
{
    enum { FENCEPOST = 0x10 | GLIBC_PREV_INUSE };
    uint64_t a, b;
    return s >= 32 && mem_read_u64(&h->mem, s - 24, &a) && mem_read_u64(&h->mem, s - 8, &b) &&
           a == FENCEPOST && b == FENCEPOST;
}

/* Lowest page-aligned address from which the chunk chain reaches P.
 * Segments start page-aligned (glibc mmaps them); below the start lies
 * unmapped memory, other data (the chain breaks) or an older segment
 * whose chain runs on into this one (fine: both get walked). */
static uint64_t probe_segment_start(struct glibc_heap *h, uint64_t p, uint64_t top)
{
    uint64_t best = p, s = p & ~(uint64_t)(PAGE - 1), failed_run = 0;
    if (s == p)
        s -= PAGE;
    for (uint64_t scanned = 0; scanned < PROBE_LIMIT && s; scanned += PAGE, s -= PAGE) {
        uint64_t probe;
        if (!(h->cache.len && s >= h->cache.base && s < h->cache.base + h->cache.len))
            block_cache_prefetch_below(&h->cache, s);   /* else exact reads */
        if (!mem_read_u64(&h->mem, s, &probe))
            break;                           /* unmapped: the segment began above */
        if (chains_to(h, s, p, best, top)) {
            best = s;
            failed_run = 0;
            if (fencepost_below(h, s))
                break;
        } else if ((failed_run += PAGE) >= PROBE_FAIL_RUN) {
            break;
        }
    }
    return best;
}

/* From START, the end of a main-arena segment: the top chunk's end, or
 * just past a double fencepost (glibc's mark of a non-contiguous break). */
static bool segment_end(struct glibc_heap *h, uint64_t start, const struct glibc_arena *a,
                        uint64_t *end, char *err, size_t errlen)
{
    uint64_t p = start, sz, prev = 0, prev_at = 0;
    for (;;) {
        if (p == a->top) {
            *end = a->top + a->top_size;
            return true;
        }
        if (!chunk_size(h, p, &sz)) {
            snprintf(err, errlen, "cannot read the chunk at 0x%llx", (unsigned long long)p);
            return false;
        }
        sz = glibc_chunksize(sz);
        if (sz < 0x10 || (sz & 15)) {
            snprintf(err, errlen, "corrupt chunk at 0x%llx: size 0x%llx, reached from the "
                     "chunk at 0x%llx with size 0x%llx", (unsigned long long)p,
                     (unsigned long long)sz, (unsigned long long)prev_at,
                     (unsigned long long)prev);
            return false;
        }
        if (sz == 0x10 && prev == 0x10) {
            *end = p + sz;
            return true;
        }
        prev = sz;
        prev_at = p;
        p += sz;
    }
}

/* Is P in a segment of ARENA? The main arena's are kept sorted by start
 * while they are found (a non-contiguous one can have thousands). */
static bool in_segments(const struct glibc_heap *h, int arena, uint64_t p)
{
    const struct glibc_arena *a = &h->arenas[arena];
    const struct glibc_segment *s = h->segments + a->first_segment;
    size_t above = FIRST_WHERE(a->nsegments, i, s[i].start > p);
    return above > 0 && p < s[above - 1].end;
}

/* Add the main-arena segment [START, END). */
static bool add_found_segment(struct glibc_heap *h, int ai, uint64_t start, uint64_t end,
                              enum segment_kind kind, bool guessed, char *err, size_t errlen)
{
    int at = add_segment(h, ai, kind, start, end, 0);
    if (at < 0) {
        snprintf(err, errlen, "too many heap segments");
        return false;
    }
    h->segments[at].guessed = guessed;
    /* into place by start (see in_segments) */
    struct glibc_arena *a = &h->arenas[ai];
    struct glibc_segment *s = h->segments + a->first_segment, added = s[a->nsegments];
    int i = a->nsegments++;
    for (; i > 0 && s[i - 1].start > added.start; i--)
        s[i] = s[i - 1];
    s[i] = added;
    return true;
}

/* Add the main-arena segment starting at START, which must contain P;
 * *END: where it ends. */
static bool add_main_segment(struct glibc_heap *h, int ai, uint64_t start, uint64_t p,
                             enum segment_kind kind, uint64_t *end_out, char *err,
                             size_t errlen)
{
    uint64_t end, *e = end_out ? end_out : &end;
    if (!segment_end(h, start, &h->arenas[ai], e, err, errlen))
        return false;
    if (p < start || p >= *e) {
        snprintf(err, errlen, "cannot locate the heap segment holding chunk 0x%llx "
                 "(chain from 0x%llx ends at 0x%llx)", (unsigned long long)p,
                 (unsigned long long)start, (unsigned long long)*e);
        return false;
    }
    return add_found_segment(h, ai, start, *e, kind, false, err, errlen);
}

/* Is there a main-arena segment from START? A chunk chain from it to a
 * double fencepost, whose end is returned. */
static bool segment_from(struct glibc_heap *h, uint64_t start, uint64_t *end)
{
    uint64_t p = start, sz, prev = 0;
    for (uint64_t walked = 0; walked < PROBE_LIMIT; walked += sz) {
        if (!chunk_size(h, p, &sz))
            return false;
        sz = glibc_chunksize(sz);
        if ((sz & 15) || sz < 0x10 || (sz == 0x10 && p == start))
            return false;
        if (sz == 0x10 && prev == 0x10) {
            *end = p + sz;
            return true;
        }
        prev = sz;
        p += sz;
    }
    return false;
}

/* The segment right above one ending at END: glibc's fenceposts may end
 * a granule before or after the next mapping begins. */
static bool segment_above(struct glibc_heap *h, uint64_t end, uint64_t *start,
                          uint64_t *above_end)
{
    for (uint64_t s = end - 16; s <= end + 16; s += 16)
        if (segment_from(h, s, above_end)) {
            *start = s;
            return true;
        }
    return false;
}

/* Does a double fencepost as glibc writes it end right at END? The
 * second always says the first is in use; the first loses that bit when
 * the chunk below it is freed. */
static bool fenceposts_end_at(struct glibc_heap *h, uint64_t end)
{
    uint64_t a, b;
    return end >= 32 && mem_read_u64(&h->headers, end - 24, &a) &&
           mem_read_u64(&h->headers, end - 8, &b) && (a | GLIBC_PREV_INUSE) == 0x11 &&
           b == 0x11;
}

/* Does [START, END) hold no part of a segment of arena AI yet? */
static bool clear_of_segments(const struct glibc_heap *h, int ai, uint64_t start,
                              uint64_t end)
{
    const struct glibc_arena *a = &h->arenas[ai];
    const struct glibc_segment *s = h->segments + a->first_segment;
    size_t above = FIRST_WHERE(a->nsegments, i, s[i].start >= start);
    return !in_segments(h, ai, start) && (above == (size_t)a->nsegments || s[above].start >= end);
}

/* The segment above one ending at END, guessed from the length LEN of
 * the one below: glibc maps the same size each time its break is blocked,
 * so side-by-side segments are usually alike. Checked at both ends (a
 * sane first chunk; a double fencepost where it would end), not along
 * its chunk chain, which would read all of it a walk before the walk:
 * the walk follows the chain and fails on a chunk crossing the end. */
static bool guess_segment_above(struct glibc_heap *h, int ai, uint64_t end, uint64_t len,
                                uint64_t *start, uint64_t *above_end)
{
    for (uint64_t s = end - 16; s <= end + 16; s += 16) {
        uint64_t sz;
        if (!mem_read_u64(&h->headers, s + 8, &sz))
            continue;
        sz = glibc_chunksize(sz);
        if ((sz & 15) || sz <= 0x10 || sz > len)
            continue;
        /* lowest first, as the chain would meet them: fenceposts may end
         * a granule short of the mapping, whose last word then often
         * looks like one more */
        for (uint64_t e = s + len - 16; e <= s + len + 16; e += 16) {
            if (s + sz + 32 <= e && e > s && clear_of_segments(h, ai, s, e) &&
                fenceposts_end_at(h, e)) {
                *start = s;
                *above_end = e;
                return true;
            }
        }
    }
    return false;
}

/* The segments side by side with the main arena's segment [START, END)
 * (mmapped ones are placed next to each other): below while a double
 * fencepost ends the memory under a segment, above while a chunk chain
 * from its end reaches one. */
static bool neighbour_segments(struct glibc_heap *h, int ai, uint64_t start, uint64_t end,
                               char *err, size_t errlen)
{
    const struct glibc_arena *a = &h->arenas[ai];
    for (uint64_t s = start; a->nsegments < GLIBC_MAX_SEGMENTS && fencepost_below(h, s) &&
                             !in_segments(h, ai, s - 32);) {
        uint64_t below = probe_segment_start(h, s - 32, a->top);
        if (!add_main_segment(h, ai, below, s - 32, SEG_MMAP, NULL, err, errlen))
            return false;
        s = below;
    }
    for (uint64_t e = end, len = end - start, s, above_end;
         a->nsegments < GLIBC_MAX_SEGMENTS && !in_segments(h, ai, e + 16);
         e = above_end, len = above_end - s) {
        bool guessed = guess_segment_above(h, ai, e, len, &s, &above_end);
        if (!guessed && !segment_above(h, e, &s, &above_end))
            break;
        if (!add_found_segment(h, ai, s, above_end, SEG_MMAP, guessed, err, errlen))
            return false;
    }
    return true;
}

/* The mmapped main-arena segment holding P, found by probing down from P,
 * and those side by side with it. */
static bool add_mmap_segments(struct glibc_heap *h, int ai, uint64_t p, char *err,
                              size_t errlen)
{
    uint64_t start = probe_segment_start(h, p, h->arenas[ai].top), end;
    return add_main_segment(h, ai, start, p, SEG_MMAP, &end, err, errlen) &&
           neighbour_segments(h, ai, start, end, err, errlen);
}

/* Do the segments found cover the arena's memory from the OS? Each may
 * end up to 16 bytes short of its mapping (the fenceposts' alignment), and
 * a segment missing would be at least a page. */
static bool all_segments_found(const struct glibc_heap *h, int ai)
{
    return glibc_heap_total_segment_bytes(h, ai) + PAGE > h->arenas[ai].system_mem;
}

/* The segments of a non-contiguous main arena, from their chunk chains. */
static bool find_chained_segments(struct glibc_heap *h, int ai, uint64_t sbrk, char *err,
                                  size_t errlen)
{
    struct glibc_arena *a = &h->arenas[ai];
    if (sbrk &&
        !add_main_segment(h, ai, align16(sbrk), align16(sbrk), SEG_BRK, NULL, err, errlen))
        return false;
    /* mmap'ed segments (brk unavailable): the one holding top and its
     * neighbours; others through free chunks inside them. */
    if (!in_segments(h, ai, a->top) && !add_mmap_segments(h, ai, a->top, err, errlen))
        return false;
    if (all_segments_found(h, ai))
        return true;
    for (int bin = 1; bin < GLIBC_NBINS; bin++) {
        uint64_t pseudo = bin_head(h, ai, bin), p;
        if (!mem_read_u64(&h->mem, pseudo + 16, &p))
            break;
        for (uint64_t n = 0; p != pseudo && p && n < LIST_LIMIT; n++) {
            if (!in_segments(h, ai, p)) {
                if (!add_mmap_segments(h, ai, p, err, errlen))
                    return false;
                if (all_segments_found(h, ai))
                    return true;
            }
            if (!mem_read_u64(&h->mem, p + 16, &p))
                break;
        }
    }
    return true;
}

static bool find_main_arena_segments(struct glibc_heap *h, int ai, char *err, size_t errlen)
{
    struct glibc_arena *a = &h->arenas[ai];
    uint64_t top_end = a->top + a->top_size;
    uint64_t sbrk = h->st.mp ? h->st.sbrk_base : 0;
    if (!sbrk && !a->noncontiguous)
        sbrk = top_end - a->system_mem;
    if (a->top == unsorted_head(h, ai))
        return true;                       /* never allocated from */
    if (!a->noncontiguous) {
        /* one brk heap up to the end of top: no need to walk for its end */
        if (add_segment(h, ai, SEG_BRK, align16(sbrk), top_end, 0) < 0) {
            snprintf(err, errlen, "too many heap segments");
            return false;
        }
        a->nsegments++;
        return true;
    }
    h->finding_chains = true;
    bool found = find_chained_segments(h, ai, sbrk, err, errlen);
    h->finding_chains = false;
    block_cache_invalidate(&h->cache);   /* its window may reach beyond the segments */
    return found;
}

static bool thread_arena_segments(struct glibc_heap *h, int ai, char *err, size_t errlen)
{
    struct glibc_arena *a = &h->arenas[ai];
    const struct glibc_layout *L = h->st.L;
    uint64_t hp = a->top & ~(h->st.heap_max - 1);
    struct cycle_check cc;
    cycle_check_init(&cc, hp);
    /* Heaps are found newest first (from top, through prev); record them
     * so that segments end up in address order within the arena. */
    for (int n = 0; hp && n < GLIBC_MAX_SEGMENTS; n++) {
        if (n && cycle_check_step(&cc, hp)) {
            snprintf(err, errlen, "corrupt heap list of arena 0x%llx: heap 0x%llx repeats",
                     (unsigned long long)a->addr, (unsigned long long)hp);
            return false;
        }
        uint8_t hi[0x30];
        if (mem_read(&h->mem, hp, hi, L->hi_size_of) != 0) {
            snprintf(err, errlen, "cannot read heap_info at 0x%llx (arena 0x%llx)",
                     (unsigned long long)hp, (unsigned long long)a->addr);
            return false;
        }
        uint64_t ar = u64_at(hi + L->hi_ar_ptr), prev = u64_at(hi + L->hi_prev);
        uint64_t size = u64_at(hi + L->hi_size), mprot = u64_at(hi + L->hi_mprotect_size);
        if (ar != a->addr || size > mprot || mprot > h->st.heap_max || (size & (PAGE - 1))) {
            snprintf(err, errlen, "corrupt heap_info at 0x%llx (ar_ptr 0x%llx, size 0x%llx)",
                     (unsigned long long)hp, (unsigned long long)ar, (unsigned long long)size);
            return false;
        }
        bool first = ar == hp + L->hi_size_of;
        uint64_t start = first ? align16(hp + L->hi_size_of + L->ms_size) : hp + L->hi_size_of;
        if (add_segment(h, ai, SEG_THREAD_HEAP, start, hp + size, hp) < 0) {
            snprintf(err, errlen, "too many heap segments");
            return false;
        }
        a->nsegments++;
        if (first)
            break;
        hp = prev & ~(h->st.heap_max - 1);
    }
    /* reverse into address order (prev heaps are usually lower) */
    struct glibc_segment *s = h->segments + a->first_segment;
    for (int i = 0, j = a->nsegments - 1; i < j; i++, j--) {
        struct glibc_segment t = s[i];
        s[i] = s[j];
        s[j] = t;
    }
    return true;
}

static uint64_t reveal(const struct glibc_heap *h, uint64_t field_addr, uint64_t raw)
{
    return h->st.L->safe_linking ? raw ^ (field_addr >> 12) : raw;
}

static bool tag(struct glibc_heap *h, uint64_t chunk, enum chunk_class cls, const char *what)
{
    if (!chunk_tags_add(&h->tags, chunk, (uint8_t)cls)) {
        warn(h, "free-chunk set full at %s list", what);
        return false;
    }
    return true;
}

/* A free list being followed, side by side with others (follow_lists). */
struct list_cursor {
    uint64_t p, n;                 /* the chunk it is at; chunks done */
    struct cycle_check cc;
    enum { LIST_ACTIVE, LIST_DONE, LIST_DEFERRED, LIST_MISALIGNED, LIST_LOOPS, LIST_BROKEN,
           LIST_UNREADABLE } state;
};

/* Looks at list LIST's chunk C->p: keeps it (true: its link is read) or
 * ends the list by setting C->state. */
typedef bool (*list_step_fn)(struct glibc_heap *h, void *arg, size_t list, struct list_cursor *c);

/* Follow the N lists starting at C[k].p side by side: each round STEP
 * looks at every active list's chunk, and the links (at +16; MANGLED:
 * safe-linked) of those it keeps are read in one batch. Lists freed in
 * random order are a read per entry: 64 arenas' 100K fastbin entries
 * were 100K reads, side by side they are a few hundred batches. False
 * when memory runs out. */
static bool follow_lists(struct glibc_heap *h, struct list_cursor *c, size_t n, bool mangled,
                         list_step_fn step, void *arg)
{
    struct mem_span *spans = calloc(n ? n : 1, sizeof *spans);
    uint64_t *links = calloc(n ? n : 1, sizeof *links);
    size_t *of = calloc(n ? n : 1, sizeof *of);
    bool ok = spans && links && of;
    for (size_t k = 0; k < n; k++)
        cycle_check_init(&c[k].cc, c[k].p);
    for (size_t active = 1; ok && active;) {
        active = 0;
        for (size_t k = 0; k < n; k++)
            if (c[k].state == LIST_ACTIVE && step(h, arg, k, &c[k])) {
                spans[active] = (struct mem_span){ c[k].p + 16, &links[active], 8, false };
                of[active++] = k;
            }
        mem_read_spans(&h->lists, spans, active);
        for (size_t i = 0; i < active; i++) {
            struct list_cursor *l = &c[of[i]];
            if (!spans[i].ok) {
                l->state = LIST_UNREADABLE;
                continue;
            }
            l->p = mangled ? reveal(h, spans[i].addr, links[i]) : links[i];
            l->n++;
        }
    }
    free(spans);
    free(links);
    free(of);
    return ok;
}

static bool fastbin_step(struct glibc_heap *h, void *arg, size_t list, struct list_cursor *c)
{
    (void)arg;
    (void)list;
    uint64_t p = c->p;
    if (!p)
        c->state = LIST_DONE;
    else if (p & 15)
        c->state = LIST_MISALIGNED;
    else if (c->n >= LIST_LIMIT) {
        warn(h, "fastbin list truncated at %llu chunks", (unsigned long long)c->n);
        c->state = LIST_DONE;
    } else if (c->n && cycle_check_step(&c->cc, p))
        c->state = LIST_LOOPS;
    else if (!tag(h, p, CH_FAST, "fastbin"))
        c->state = LIST_DONE;
    return c->state == LIST_ACTIVE;
}

/* Every fastbin of every arena, side by side. A repeat is a cycle; the
 * first broken list, in arena and bin order, is the error. */
static bool collect_fastbins(struct glibc_heap *h, char *err, size_t errlen)
{
    size_t nb = h->st.L->nfastbins, n = (size_t)h->narenas * nb;
    struct list_cursor *c = calloc(n ? n : 1, sizeof *c);
    for (size_t k = 0; c && k < n; k++)
        c[k].p = h->arenas[k / nb].fastbins[k % nb];
    bool ok = c && follow_lists(h, c, n, h->st.L->safe_linking, fastbin_step, NULL);
    if (!ok)
        snprintf(err, errlen, "out of memory");
    for (size_t k = 0; ok && k < n; k++) {
        unsigned long long p = c[k].p;
        ok = c[k].state == LIST_DONE;
        if (c[k].state == LIST_MISALIGNED)
            snprintf(err, errlen, "corrupt fastbin list: misaligned chunk 0x%llx", p);
        else if (c[k].state == LIST_LOOPS)
            snprintf(err, errlen, "corrupt fastbin list: it loops (chunk 0x%llx seen twice)", p);
        else if (c[k].state == LIST_UNREADABLE)
            snprintf(err, errlen, "corrupt fastbin list: cannot read chunk 0x%llx", p);
    }
    free(c);
    return ok;
}

/* Lists freed in random order cost a read call per entry:
 * read only what the walk cannot find on its own. */
enum { UNSORTED_DIRECT = 64,    /* longer lists are resolved from a walk */
       TCACHE_CHECKED = 1 };    /* entries of a keyed tcache list read: the
                                 * walk knows the others by their key */

/* Keeps the chunks of arena LIST's unsorted list in SEEN[LIST] until it
 * is back at its bin, or is longer than the walk should resolve. */
static bool unsorted_step(struct glibc_heap *h, void *seen, size_t list, struct list_cursor *c)
{
    uint64_t p = c->p;
    if (p == unsorted_head(h, (int)list))
        c->state = LIST_DONE;
    else if (c->n == UNSORTED_DIRECT)
        c->state = LIST_DEFERRED;
    else if (!p || (p & 15) || (c->n && cycle_check_step(&c->cc, p)))
        c->state = LIST_BROKEN;
    else
        ((uint64_t(*)[UNSORTED_DIRECT])seen)[list][c->n] = p;
    return c->state == LIST_ACTIVE;
}

/* Every arena's unsorted list, side by side as the fastbins, at most
 * UNSORTED_DIRECT rounds. A longer list is left to the walk (see
 * resolve_unsorted_now); the others are tagged, in arena order. */
static bool collect_unsorted(struct glibc_heap *h, char *err, size_t errlen)
{
    size_t n = (size_t)h->narenas;
    struct list_cursor *c = calloc(n ? n : 1, sizeof *c);
    uint64_t(*seen)[UNSORTED_DIRECT] = calloc(n ? n : 1, sizeof *seen);
    for (size_t k = 0; c && k < n; k++)
        c[k].p = h->arenas[k].unsorted_fd;
    bool ok = c && seen && follow_lists(h, c, n, false, unsorted_step, seen);
    if (!ok)
        snprintf(err, errlen, "out of memory");
    for (size_t k = 0; ok && k < n; k++) {
        struct glibc_arena *a = &h->arenas[k];
        if (c[k].state == LIST_BROKEN)
            snprintf(err, errlen, "corrupt unsorted bin of arena 0x%llx at chunk 0x%llx",
                     (unsigned long long)a->addr, (unsigned long long)c[k].p);
        else if (c[k].state == LIST_UNREADABLE)
            snprintf(err, errlen, "cannot read unsorted chunk of arena 0x%llx",
                     (unsigned long long)a->addr);
        ok = c[k].state == LIST_DONE || c[k].state == LIST_DEFERRED;
        a->unsorted_deferred = c[k].state == LIST_DEFERRED;
        for (uint64_t i = 0; ok && c[k].state == LIST_DONE && i < c[k].n; i++)
            if (!tag(h, seen[k][i], CH_UNSORTED, "unsorted"))
                break;
    }
    free(c);
    free(seen);
    return ok;
}

/* 2.42+ allocates the struct either through malloc (760 bytes: a 0x300
 * chunk) or straight from an arena with the size padded twice (0x310). */
static bool tcache_struct_size(const struct glibc_layout *L, uint64_t sz)
{
    return sz == L->tcache_struct_chunk ||
           (L->tcache_slots_left && sz == L->tcache_struct_chunk + 16);
}

/* A tcache_perthread_struct at user pointer S: tag its lists, learn the key. */
static bool collect_tcache(struct glibc_heap *h, uint64_t s, char *err, size_t errlen)
{
    const struct glibc_layout *L = h->st.L;
    uint8_t t[GLIBC_MAX_TCACHE_STRUCT];
    uint64_t hdr;
    if (!mem_read_u64(&h->lists, s - 16 + 8, &hdr) ||
        !tcache_struct_size(L, glibc_chunksize(hdr)) ||
        mem_read(&h->lists, s, t, L->tcache_entries + 8 * L->tcache_bins) != 0)
        return true;                  /* not a tcache struct: nothing to learn */
    for (int i = 0; i < h->ntcache_structs; i++)
        if (h->tcache_structs[i] == s)
            return true;
    if (h->ntcache_structs < GLIBC_MAX_TCACHES)
        h->tcache_structs[h->ntcache_structs++] = s;
    for (uint32_t i = 0; i < L->tcache_bins; i++) {
        uint16_t count;
        memcpy(&count, t + 2 * i, 2);
        uint64_t e = u64_at(t + L->tcache_entries + 8 * i);
        if (!e)
            continue;
        uint64_t key;
        if (L->tcache_key == TCACHE_KEY_RANDOM && !h->st.have_tcache_key &&
            mem_read_u64(&h->lists, e + 8, &key)) {
            h->st.tcache_key = key;
            h->st.have_tcache_key = true;
        }
        /* Entries are user pointers; the chunk is 16 bytes before. A list
         * is as long as its count, or (2.42+, free slots left) at most
         * what a uint16_t count can allow. */
        uint32_t bound = L->tcache_slots_left ? UINT16_MAX : count;
        /* Where freed chunks carry the key the walk recognises them by it:
         * a list is only checked at its start instead of read chunk by
         * chunk in the order it was freed (each entry a random read). */
        bool keyed = L->tcache_key == TCACHE_KEY_STRUCT ||
                     (L->tcache_key == TCACHE_KEY_RANDOM && h->st.have_tcache_key);
        uint64_t n = 0;
        for (uint64_t p = e; p && n <= bound; n++) {
            if (p & 15) {
                snprintf(err, errlen, "corrupt tcache list at 0x%llx (thread tcache 0x%llx)",
                         (unsigned long long)p, (unsigned long long)s);
                return false;
            }
            if (!tag(h, p - 16, CH_TCACHE, "tcache"))
                return true;
            if (keyed && n + 1 == TCACHE_CHECKED) {
                n++;          /* the rest by their key: no link to read */
                break;
            }
            uint64_t raw;
            if (!mem_read_u64(&h->lists, p, &raw))
                break;
            p = reveal(h, p, raw);
        }
        if (n > bound)
            warn(h, "tcache bin %u of 0x%llx longer than %s %u", i,
                 (unsigned long long)s, L->tcache_slots_left ? "possible" : "its count",
                 bound);
    }
    return true;
}

/* Is the chunk at P (of the tcache struct's size) a live tcache struct?
 * The first chunk of an arena's lowest segment is taken on its size alone
 * (before 2.42 a thread's tcache is made at its first malloc). Elsewhere it must hold
 * entries, each a chunk of its bin's size carrying one common key. */
static bool looks_like_tcache_struct(struct glibc_heap *h, uint64_t p, bool first)
{
    const struct glibc_layout *L = h->st.L;
    uint8_t t[GLIBC_MAX_TCACHE_STRUCT];
    if (mem_read(&h->lists, p + 16, t, L->tcache_entries + 8 * L->tcache_bins) != 0)
        return false;
    /* each entry's size field and key, every bin in one batch */
    struct mem_span spans[64];
    uint64_t around[64][3];      /* size field, next, key */
    uint32_t bin[64];
    int n = 0;
    for (uint32_t i = 0; i < 64; i++) {
        uint64_t e = u64_at(t + L->tcache_entries + 8 * i);
        if (!e)
            continue;
        if (e & 15)
            return false;
        spans[n] = (struct mem_span){ e - 8, around[n], sizeof around[n], false };
        bin[n++] = i;
    }
    mem_read_spans(&h->lists, spans, (size_t)n);
    for (int k = 0; k < n; k++) {
        if (!spans[k].ok || glibc_chunksize(around[k][0]) != GLIBC_MINSIZE + 16 * (uint64_t)bin[k])
            return false;
        if (k > 0 && around[k][2] != around[0][2] && L->tcache_key == TCACHE_KEY_RANDOM)
            return false;
    }
    return first || n > 0;
}

/* Where a thread's tcache struct is in a heap it used first: the first
 * chunk before 2.42; from 2.42 a tcache is made at the thread's first
 * free, after whatever it allocated until then, so the chunk headers are
 * read up to it (only without libc symbols: with them the tcache and
 * tcache_key variables say it all). 0: none found. */
static uint64_t find_tcache_struct(struct glibc_heap *h, uint64_t start, uint64_t end,
                                   bool lowest)
{
    bool deep = h->st.L->tcache_slots_left && !h->st.have_tcache_key;
    const struct glibc_layout *L = h->st.L;
    uint64_t sz;
    /* a page at a time: the walk reads the segment in large windows later,
     * and one read here would be a second read of the segment's first window */
    for (uint64_t p = start; p + 16 < end; p += sz) {
        if (!mem_read_u64(&h->headers, p + 8, &sz))
            return 0;
        sz = glibc_chunksize(sz);
        if (sz < GLIBC_MINSIZE || (sz & 15))
            return 0;
        if (tcache_struct_size(L, sz) && looks_like_tcache_struct(h, p, lowest && p == start))
            return p + 16;
        if (!deep)
            return 0;
    }
    return 0;
}

/* The tcache struct of the thread that made arena A, in the segment the
 * arena began with: not always the lowest (a main arena without brk
 * grows through mmaps placed below it), so every segment is tried. */
static bool collect_arena_tcache(struct glibc_heap *h, const struct glibc_arena *a,
                                 char *err, size_t errlen)
{
    for (int i = 0; i < a->nsegments; i++) {
        const struct glibc_segment *s = &h->segments[a->first_segment + i];
        uint64_t tc = find_tcache_struct(h, s->start, s->end, i == 0);
        if (tc)
            return collect_tcache(h, tc, err, errlen);
    }
    return true;
}

static bool sort_tags(struct glibc_heap *h, char *err, size_t errlen)
{
    uint64_t dup = 0;
    if (chunk_tags_sort(&h->tags, &dup)) {
        snprintf(err, errlen, "corrupt free lists: chunk 0x%llx is on two lists at once",
                 (unsigned long long)dup);
        return false;
    }
    return true;
}

static void ignore_chunk(void *arg, const struct glibc_chunk *c)
{
    (void)arg;
    (void)c;
}

static void tag_unsorted(void *arg, const struct glibc_chunk *c, enum chunk_class from)
{
    struct glibc_heap *h = arg;
    (void)from;
    if (!chunk_tags_add(&h->tags, c->addr, CH_UNSORTED))
        warn(h, "free-chunk set full at unsorted list");
}

/* GLIBC_EXACT_UNSORTED: one walk of the arenas with long unsorted lists
 * to learn their binned chunks, then tag the unsorted ones. */
static bool resolve_unsorted_now(struct glibc_heap *h, char *err, size_t errlen)
{
    bool any = false;
    h->record_binned = true;
    for (int ai = 0; ai < h->narenas; ai++)
        if (h->arenas[ai].unsorted_deferred) {
            any = true;
            if (!glibc_heap_walk(h, ai, ignore_chunk, NULL, err, errlen))
                return false;
        }
    if (!any)
        return true;
    if (!glibc_heap_resolve_unsorted(h, tag_unsorted, h, err, errlen))
        return false;
    for (int ai = 0; ai < h->narenas; ai++)
        h->arenas[ai].unsorted_deferred = false;
    return sort_tags(h, err, errlen);
}

static bool segment_holds(const struct glibc_heap *h, int i, uint64_t addr)
{
    return i >= 0 && i < h->nsegments && addr >= h->segments[i].start &&
           addr < h->segments[i].end;
}

/* The last index in V[0..N) whose value is at most KEY (0 if none),
 * without branches: the fds of a list freed in random order make each
 * step a coin toss the predictor would lose. */
static size_t last_at_or_below(const uint64_t *v, size_t n, uint64_t key)
{
    size_t at = 0;
    while (n > 1) {
        size_t half = n / 2;
        at = v[at + half] <= key ? at + half : at;
        n -= half;
    }
    return at;
}

/* Once the segments are indexed: the place in start order of the one
 * holding ADDR, or -1. Its block of SEARCH_FANOUT starts, then its place
 * in the block. */
static long segment_rank(const struct glibc_heap *h, uint64_t addr)
{
    size_t n = (size_t)h->nsegments, block = last_at_or_below(h->coarse, h->ncoarse, addr);
    size_t base = block * SEARCH_FANOUT, in_block = n - base < SEARCH_FANOUT ? n - base
                                                                           : SEARCH_FANOUT;
    size_t at = base + last_at_or_below(h->starts + base, in_block, addr);
    return n && h->starts[at] <= addr && addr < h->ends[at] ? (long)at : -1;
}

int glibc_heap_segment_at(struct glibc_heap *h, uint64_t addr)
{
    if (!h->by_start) {
        /* still finding them: reads mostly stay in the segment just
         * found or step to its neighbour (side-by-side mmapped ones) */
        for (int d = 0; d < 3; d++) {
            int i = h->segment_hint + (d == 2 ? -1 : d);
            if (segment_holds(h, i, addr))
                return h->segment_hint = i;
        }
        /* the main arena's come first, kept sorted by start */
        int nmain = h->narenas ? h->arenas[0].nsegments : 0;
        int i = (int)FIRST_WHERE(nmain, j, h->segments[j].start > addr) - 1;
        if (segment_holds(h, i, addr))
            return h->segment_hint = i;
        for (int i = nmain; i < h->nsegments; i++)
            if (segment_holds(h, i, addr))
                return h->segment_hint = i;
        return -1;
    }
    long at = segment_rank(h, addr);
    return at < 0 ? -1 : h->by_start[at];
}

/* Windows stay inside the heap segment being read: beyond it may lie
 * anything, e.g. an nginx shared zone whose untouched pages a read would
 * load. Outside every known segment (while they are being found) a window
 * is the one page the read touches anyway, unless the reader says more
 * can be read without effects: chunk chains followed to find segments
 * (thousands of them side by side in a non-contiguous main arena) would
 * otherwise cost a read a page. */
static bool segment_bounds(void *arg, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    struct glibc_heap *h = arg;
    int i = glibc_heap_segment_at(h, addr);
    if (i < 0 && h->finding_chains && mem_quiet_extent(h->raw, addr, lo, hi))
        return true;
    if (i < 0) {
        *lo = addr & ~(uint64_t)(PAGE - 1);
        *hi = *lo + PAGE;
        return true;
    }
    *lo = h->segments[i].start & ~(uint64_t)(PAGE - 1);
    *hi = h->segments[i].end;
    return true;
}

static const struct glibc_heap *sorting_heap;   /* qsort has no argument */

static int by_segment_start(const void *a, const void *b)
{
    uint64_t x = sorting_heap->segments[*(const int *)a].start;
    uint64_t y = sorting_heap->segments[*(const int *)b].start;
    return x < y ? -1 : x > y;
}

/* Index the segments by start and number their granules. */
static bool index_segments(struct glibc_heap *h, char *err, size_t errlen)
{
    int *order = malloc(((size_t)h->nsegments + 1) * sizeof *order);
    if (!order) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    uint64_t granules = 0;
    for (int i = 0; i < h->nsegments; i++) {
        order[i] = i;
        h->segments[i].granule_base = granules;
        granules += (h->segments[i].end - h->segments[i].start) / 16;
    }
    h->granules_fit = granules < BINNED_FD_ELSEWHERE;
    sorting_heap = h;
    qsort(order, (size_t)h->nsegments, sizeof *order, by_segment_start);
    size_t n = (size_t)h->nsegments;
    h->ncoarse = (n + SEARCH_FANOUT - 1) / SEARCH_FANOUT;
    h->starts = malloc((3 * n + h->ncoarse + 1) * sizeof *h->starts);
    if (!h->starts) {
        free(order);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    h->ends = h->starts + n;
    h->granule_bases = h->ends + n;
    h->coarse = h->granule_bases + n;
    for (size_t i = 0; i < n; i++) {
        h->starts[i] = h->segments[order[i]].start;
        h->ends[i] = h->segments[order[i]].end;
        h->granule_bases[i] = h->segments[order[i]].granule_base;
        if (i % SEARCH_FANOUT == 0)
            h->coarse[i / SEARCH_FANOUT] = h->starts[i];
    }
    h->by_start = order;
    return true;
}

bool glibc_heap_open(struct glibc_heap *h, const struct mem_reader *raw, unsigned flags,
                     char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    h->raw = raw;
    h->flags = flags;
    chunk_tags_init(&h->tags, 64u << 20);
    if (!block_cache_init(&h->cache, raw) || !block_cache_init(&h->list_cache, raw) ||
        !block_cache_init(&h->header_cache, raw)) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    h->mem = block_cache_reader(&h->cache);
    h->cache.bounds = h->list_cache.bounds = segment_bounds;
    h->cache.bounds_arg = h->list_cache.bounds_arg = h;
    h->list_cache.centered = true;
    block_cache_set_window(&h->list_cache, 64 << 10);
    h->lists = block_cache_reader(&h->list_cache);
    h->header_cache.bounds = segment_bounds;
    h->header_cache.bounds_arg = h;
    block_cache_set_window(&h->header_cache, PAGE);
    h->headers = block_cache_reader(&h->header_cache);
    if (!glibc_state_find(raw, &h->st, err, errlen))
        return false;
    h->arenas = calloc(GLIBC_MAX_ARENAS, sizeof *h->arenas);
    if (!h->arenas) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    uint64_t addr = h->st.main_arena, next;
    do {
        if (h->narenas == GLIBC_MAX_ARENAS || (h->narenas && addr == 0)) {
            snprintf(err, errlen, "the arena list does not return to main_arena");
            return false;
        }
        struct glibc_arena *a = &h->arenas[h->narenas];
        if (!read_arena(h, addr, a, &next)) {
            snprintf(err, errlen, "cannot read the arena at 0x%llx", (unsigned long long)addr);
            return false;
        }
        a->is_main = h->narenas == 0;
        a->first_segment = h->nsegments;
        int ai = h->narenas++;
        if (!(a->is_main ? find_main_arena_segments(h, ai, err, errlen)
                         : thread_arena_segments(h, ai, err, errlen)))
            return false;
        /* a thread heap's system_mem counts its heap_info (and, in the
         * first heap, the malloc_state) before the chunks begin */
        uint64_t covered = glibc_heap_total_segment_bytes(h, ai);
        for (int i = 0; i < a->nsegments; i++) {
            const struct glibc_segment *s = &h->segments[a->first_segment + i];
            if (s->kind == SEG_THREAD_HEAP)
                covered += s->start - s->heap_info;
        }
        if (covered < h->arenas[ai].system_mem)
            h->unwalked_bytes += h->arenas[ai].system_mem - covered;
        addr = next;
    } while (addr != h->st.main_arena);
    if (h->unwalked_bytes)
        warn(h, "%llu bytes of arena memory lie in segments that could not be located",
             (unsigned long long)h->unwalked_bytes);
    if (!index_segments(h, err, errlen))
        return false;

    if (!collect_fastbins(h, err, errlen) || !collect_unsorted(h, err, errlen))
        return false;
    for (int i = 0; i < h->narenas; i++) {
        struct glibc_arena *a = &h->arenas[i];
        /* a thread's tcache struct is in the heap of whichever arena it
         * used first */
        if (a->nsegments) {
            const struct glibc_segment *first = &h->segments[a->first_segment];
            if ((a->is_main || first->heap_info + h->st.L->hi_size_of == a->addr) &&
                !collect_arena_tcache(h, a, err, errlen))
                return false;
        }
    }
    uint64_t tc;
    if (mem_symbol(raw, "tcache", &tc) && mem_read_u64(&h->mem, tc, &tc) && tc &&
        !collect_tcache(h, tc, err, errlen))
        return false;
    if (!sort_tags(h, err, errlen))
        return false;
    if ((h->flags & GLIBC_EXACT_UNSORTED) && !resolve_unsorted_now(h, err, errlen))
        return false;
    if (h->st.L->tcache_key == TCACHE_KEY_RANDOM && !h->st.have_tcache_key)
        warn(h, "tcache key unknown (no tcache entries seen): chunks in other "
             "threads' tcaches count as in use");
    return true;
}

void glibc_heap_close(struct glibc_heap *h)
{
    block_cache_free(&h->cache);
    block_cache_free(&h->list_cache);
    block_cache_free(&h->header_cache);
    chunk_tags_free(&h->tags);
    free(h->arenas);
    free(h->segments);
    free(h->by_start);
    free(h->starts);
    binned_chunks_free(&h->binned);
    h->arenas = NULL;
    h->segments = NULL;
    h->by_start = NULL;
    h->starts = h->ends = h->granule_bases = h->coarse = NULL;
}

int glibc_heap_guessed_segments(const struct glibc_heap *h)
{
    int n = 0;
    for (int i = 0; i < h->nsegments; i++)
        n += h->segments[i].guessed;
    return n;
}

uint64_t glibc_heap_total_segment_bytes(const struct glibc_heap *h, int arena)
{
    uint64_t total = 0;
    for (int i = 0; i < h->nsegments; i++)
        if (arena < 0 || h->segments[i].arena == arena)
            total += h->segments[i].end - h->segments[i].start;
    return total;
}

static bool is_tcache_by_key(struct glibc_heap *h, uint64_t p, uint64_t sz)
{
    if (sz > h->st.tcache_max_chunk)
        return false;
    uint64_t key;
    if (!block_cache_u64(&h->cache, p + 0x18, &key))
        return false;
    if (h->st.L->tcache_key == TCACHE_KEY_RANDOM)
        return h->st.have_tcache_key && key == h->st.tcache_key;
    if (h->st.L->tcache_key == TCACHE_KEY_STRUCT)
        for (int i = 0; i < h->ntcache_structs; i++)
            if (key == h->tcache_structs[i])
                return true;
    return false;
}

/* CURSOR indexes h->tags; the walk visits addresses in increasing order. */
static enum chunk_class classify(struct glibc_heap *h, size_t *cursor, uint64_t p,
                                 uint64_t sz, uint64_t next_size_field)
{
    const struct chunk_tags *t = &h->tags;
    while (*cursor < t->n && t->v[*cursor].addr < p)
        ++*cursor;
    if (*cursor < t->n && t->v[*cursor].addr == p)
        return (enum chunk_class)t->v[*cursor].cls;
    if (sz == 0x10)
        return CH_FENCEPOST;
    if (!(next_size_field & GLIBC_PREV_INUSE))
        return sz < 0x400 ? CH_SMALL : CH_LARGE;
    if (is_tcache_by_key(h, p, sz))
        return CH_TCACHE;
    return CH_IN_USE;
}

static uint32_t granule_of(const struct glibc_heap *h, int segment, uint64_t addr)
{
    const struct glibc_segment *s = &h->segments[segment];
    return (uint32_t)(s->granule_base + (addr - s->start) / 16);
}

static uint64_t granule_address(const struct glibc_heap *h, uint32_t g)
{
    /* segments number granules in index order */
    size_t above = FIRST_WHERE(h->nsegments, i, h->segments[i].granule_base > g);
    const struct glibc_segment *s = &h->segments[above - 1];
    return s->start + (g - s->granule_base) * 16;
}

/* The pending binned chunks into the record, their fds as granules. The
 * segment lookups of a batch are independent: done together, away from
 * the walk's own loads, their cache misses overlap. */
static void flush_binned(struct glibc_heap *h)
{
    long at;
    for (int k = 0; k < h->npending; k++) {
        const struct pending_binned *b = &h->pending[k];
        uint32_t fd_granule = BINNED_FD_ELSEWHERE;
        if (b->fd == unsorted_head(h, b->arena)) {
            fd_granule = BINNED_FD_HEAD;
        } else if (!(b->fd & 15) && (at = segment_rank(h, b->fd)) >= 0) {
            /* from the search's own arrays: the segment table is cold */
            fd_granule = (uint32_t)(h->granule_bases[at] + (b->fd - h->starts[at]) / 16);
        }
        if (!binned_chunks_add(&h->binned, b->granule, fd_granule, b->size16)) {
            warn(h, "more than %d binned free chunks: long unsorted lists are followed "
                 "through memory", BINNED_MAX);
            break;
        }
    }
    h->npending = 0;
}

/* A binned chunk of an arena whose unsorted list is resolved after the
 * walk; past the record's limit the list is followed through memory. */
static void remember_binned(struct glibc_heap *h, const struct glibc_chunk *c)
{
    if (!h->record_binned || !h->granules_fit || h->binned.overflow)
        return;
    uint64_t fd;
    if (!block_cache_u64(&h->cache, c->addr + 16, &fd))
        fd = 0;
    h->pending[h->npending++] = (struct pending_binned){
        .fd = fd, .granule = granule_of(h, c->segment, c->addr),
        .size16 = (uint32_t)(c->size / 16), .arena = c->arena };
    if (h->npending == (int)(sizeof h->pending / sizeof h->pending[0]))
        flush_binned(h);
}

static bool walk_segment(struct glibc_heap *h, int si, glibc_chunk_fn fn, void *arg,
                         uint64_t *done, uint64_t total, char *err, size_t errlen)
{
    const struct glibc_segment *s = &h->segments[si];
    const struct glibc_arena *a = &h->arenas[s->arena];
    struct glibc_chunk c = { .arena = s->arena, .segment = si };
    uint64_t p = s->start, sz, next_sz, prev = 0, prev_sz = 0;
    size_t cursor = chunk_tags_lower_bound(&h->tags, p);
    if (!chunk_size(h, p, &sz))
        goto unreadable;
    for (uint64_t n = 0; p < s->end; n++) {
        uint64_t size = glibc_chunksize(sz);
        c.addr = p;
        if (p == a->top) {
            c.size = a->top_size;
            c.cls = CH_TOP;
            fn(arg, &c);
            break;
        }
        if (size == 0 && s->kind == SEG_THREAD_HEAP) {
            break;                        /* terminator after a fencepost */
        }
        if (size < 0x10 || (size & 15) || p + size > s->end) {
            /* the culprit is usually the previous header, whose bad size
             * led here: name both */
            snprintf(err, errlen, "corrupt chunk at 0x%llx: size field 0x%llx, reached from "
                     "the chunk at 0x%llx with size field 0x%llx (arena 0x%llx, segment "
                     "0x%llx-0x%llx%s)", (unsigned long long)p, (unsigned long long)sz,
                     (unsigned long long)prev, (unsigned long long)prev_sz,
                     (unsigned long long)a->addr, (unsigned long long)s->start,
                     (unsigned long long)s->end,
                     s->guessed ? ", whose end was taken from its fenceposts" : "");
            return false;
        }
        next_sz = GLIBC_PREV_INUSE;
        block_cache_cover(&h->cache, p, size + 16);
        if (p + size < s->end && !chunk_size(h, p + size, &next_sz)) {
            p += size;
            goto unreadable;
        }
        uint64_t next_prev_size;
        if (!(next_sz & GLIBC_PREV_INUSE) && p + size < s->end &&
            (!mem_read_u64(&h->mem, p + size, &next_prev_size) || next_prev_size != size)) {
            snprintf(err, errlen, "corrupt chunk at 0x%llx: size 0x%llx but the next chunk "
                     "says the free chunk before it has size 0x%llx (arena 0x%llx)",
                     (unsigned long long)p, (unsigned long long)size,
                     (unsigned long long)next_prev_size, (unsigned long long)a->addr);
            return false;
        }
        c.size = size;
        c.cls = classify(h, &cursor, p, size, next_sz);
        if (a->unsorted_deferred && (c.cls == CH_SMALL || c.cls == CH_LARGE))
            remember_binned(h, &c);
        fn(arg, &c);
        prev = p;
        prev_sz = sz;
        p += size;
        sz = next_sz;
        *done += size;
        if ((n & (PROGRESS_EVERY - 1)) == PROGRESS_EVERY - 1 &&
            mem_progress(h->raw, *done, total)) {
            snprintf(err, errlen, "interrupted");
            return false;
        }
    }
    flush_binned(h);
    return true;
unreadable:
    snprintf(err, errlen, "cannot read the chunk at 0x%llx (arena 0x%llx)",
             (unsigned long long)p, (unsigned long long)a->addr);
    return false;
}

static bool corrupt_unsorted(const struct glibc_heap *h, int ai, uint64_t p, char *err,
                             size_t errlen)
{
    snprintf(err, errlen, "corrupt unsorted bin of arena 0x%llx at chunk 0x%llx",
             (unsigned long long)h->arenas[ai].addr, (unsigned long long)p);
    return false;
}

/* Follow arena AI's unsorted list through memory (the record is partial). */
static bool follow_unsorted_in_memory(struct glibc_heap *h, int ai, glibc_reclass_fn fn,
                                      void *arg, char *err, size_t errlen)
{
    uint64_t head = unsorted_head(h, ai), p = h->arenas[ai].unsorted_fd;
    struct cycle_check cc;
    cycle_check_init(&cc, p);
    for (uint64_t k = 0; p != head; k++) {
        int si = glibc_heap_segment_at(h, p);
        uint64_t sz, next;
        if (si < 0 || h->segments[si].arena != ai || (p & 15) || k >= LIST_LIMIT ||
            (k && cycle_check_step(&cc, p)) || !mem_read_u64(&h->lists, p + 8, &sz) ||
            !mem_read_u64(&h->lists, p + 16, &next))
            return corrupt_unsorted(h, ai, p, err, errlen);
        struct glibc_chunk c = { .addr = p, .size = glibc_chunksize(sz), .cls = CH_UNSORTED,
                                 .arena = ai, .segment = si };
        fn(arg, &c, c.size < 0x400 ? CH_SMALL : CH_LARGE);
        p = next;
    }
    return true;
}

/* Mark the records on arena AI's unsorted list, one index load a step; a
 * record met twice is a cycle or two lists joined. *STEPS: how many. */
static bool mark_unsorted(struct glibc_heap *h, int ai, uint64_t *steps, char *err,
                          size_t errlen)
{
    struct binned_chunks *b = &h->binned;
    uint64_t p = h->arenas[ai].unsorted_fd;
    int si = glibc_heap_segment_at(h, p);
    const struct binned_chunk *first = si >= 0 && !(p & 15) && h->segments[si].arena == ai
        ? binned_chunks_find(b, granule_of(h, si, p)) : NULL;
    if (!first)
        return corrupt_unsorted(h, ai, p, err, errlen);
    uint32_t i = (uint32_t)(first - b->v);
    for (*steps = 1;; ++*steps) {
        if (!binned_chunks_see(b, i) || b->next[i] == BINNED_FD_ELSEWHERE)
            return corrupt_unsorted(h, ai, granule_address(h, b->v[i].granule), err, errlen);
        if (b->next[i] == BINNED_FD_HEAD)
            return true;
        i = b->next[i];
    }
}

/* Mark the records on the small and large bins of the arenas whose
 * unsorted list is deferred, each bin followed from its head through the
 * record until the chunk its bk names. A heap freed in bulk keeps most
 * free chunks on its unsorted list: the bins are then short, and the
 * records they leave unmarked are the unsorted ones, found without
 * following that long list (a cache miss a step, in the order it was
 * freed) or linking every record. False past BUDGET records, or where a
 * bin is not as glibc keeps it: the unsorted lists are followed instead. */
static bool mark_bins(struct glibc_heap *h, uint64_t budget)
{
    const struct glibc_layout *L = h->st.L;
    struct binned_chunks *b = &h->binned;
    uint64_t steps = 0, links[2 * (GLIBC_NBINS - 1)];      /* fd, bk of bins 1.. */
    for (int ai = 0; ai < h->narenas; ai++) {
        const struct glibc_arena *a = &h->arenas[ai];
        if (!a->unsorted_deferred)
            continue;
        if (mem_read(&h->mem, a->addr + L->ms_bins, links, sizeof links) != 0)
            return false;
        for (int bin = 2; bin < GLIBC_NBINS; bin++) {
            uint64_t head = bin_head(h, ai, bin);
            uint64_t fd = links[2 * (bin - 1)], bk = links[2 * (bin - 1) + 1];
            if (fd == head)
                continue;
            int si = glibc_heap_segment_at(h, fd);
            const struct binned_chunk *c = si >= 0 && !(fd & 15) && h->segments[si].arena == ai
                ? binned_chunks_find(b, granule_of(h, si, fd)) : NULL;
            for (;;) {
                /* a record met twice: a cycle, or two bins joined */
                if (!c || ++steps > budget || !binned_chunks_see(b, (uint32_t)(c - b->v)))
                    return false;
                if (c->fd == BINNED_FD_ELSEWHERE)      /* out of the heap: the head */
                    break;
                c = c->fd == BINNED_FD_HEAD ? NULL : binned_chunks_find(b, c->fd);
            }
            if (granule_address(h, c->granule) != bk)
                return false;
        }
    }
    return true;
}

/* Reclass the records marked (MARKED) or not in address order. Each list
 * stays in its arena's segments exactly when every arena has as many
 * marked records in its segments as its list had steps (STEPS, if any). */
static bool reclass_marked(struct glibc_heap *h, const uint64_t *steps, bool marked_ones,
                           glibc_reclass_fn fn, void *arg, char *err, size_t errlen)
{
    const struct binned_chunks *b = &h->binned;
    uint64_t *marked = calloc((size_t)h->narenas, sizeof *marked);
    if (!marked) {
        snprintf(err, errlen, "out of memory reclassifying unsorted chunks");
        return false;
    }
    int si = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (binned_chunks_seen(b, i) != marked_ones)
            continue;
        uint32_t g = b->v[i].granule;
        while (si + 1 < h->nsegments && h->segments[si + 1].granule_base <= g)
            si++;
        const struct glibc_segment *s = &h->segments[si];
        struct glibc_chunk c = { .addr = s->start + (uint64_t)(g - s->granule_base) * 16,
                                 .size = (uint64_t)b->v[i].size16 * 16, .cls = CH_UNSORTED,
                                 .arena = s->arena, .segment = si };
        marked[s->arena]++;
        fn(arg, &c, c.size < 0x400 ? CH_SMALL : CH_LARGE);
    }
    for (int ai = 0; steps && ai < h->narenas; ai++)
        if (marked[ai] != steps[ai]) {
            free(marked);
            return corrupt_unsorted(h, ai, h->arenas[ai].unsorted_fd, err, errlen);
        }
    free(marked);
    return true;
}

bool glibc_heap_resolve_unsorted(struct glibc_heap *h, glibc_reclass_fn fn, void *arg,
                                 char *err, size_t errlen)
{
    bool recorded = h->record_binned && h->granules_fit && !h->binned.overflow, ok = true;
    if (recorded && (!binned_chunks_index(&h->binned) || !binned_chunks_unsee(&h->binned)))
        goto out_of_memory;
    uint64_t budget = h->binned.n / BINS_BUDGET_SHARE;
    h->unsorted_by_bins = recorded && !(h->flags & GLIBC_FOLLOW_UNSORTED) &&
                          mark_bins(h, budget > BINS_BUDGET_MIN ? budget : BINS_BUDGET_MIN);
    if (h->unsorted_by_bins) {
        ok = reclass_marked(h, NULL, false, fn, arg, err, errlen);
        binned_chunks_clear(&h->binned);
        h->record_binned = false;
        return ok;
    }
    uint64_t *steps = recorded ? calloc((size_t)h->narenas, sizeof *steps) : NULL;
    if (recorded && (!steps || !binned_chunks_link(&h->binned))) {
        free(steps);
        goto out_of_memory;
    }
    for (int ai = 0; ai < h->narenas && ok; ai++)
        if (h->arenas[ai].unsorted_deferred)
            ok = recorded ? mark_unsorted(h, ai, &steps[ai], err, errlen)
                          : follow_unsorted_in_memory(h, ai, fn, arg, err, errlen);
    if (ok && recorded)
        ok = reclass_marked(h, steps, true, fn, arg, err, errlen);
    free(steps);
    binned_chunks_clear(&h->binned);
    h->record_binned = false;
    return ok;
out_of_memory:
    snprintf(err, errlen, "out of memory indexing free chunks");
    return false;
}

/* Walk segments FIRST..LAST (of ARENA, or all if negative) in order, the
 * window after the current one read ahead while a chunk is looked at. */
static bool walk_segments(struct glibc_heap *h, int first, int last, int arena,
                          glibc_chunk_fn fn, void *arg, char *err, size_t errlen)
{
    size_t walked = last >= first ? (size_t)(last - first) + 1 : 1;
    struct mem_range *order = calloc(walked, sizeof *order);
    uint64_t done = 0, total = 0;
    size_t n = 0;
    for (int i = first; i <= last; i++)
        if (arena < 0 || h->segments[i].arena == arena) {
            /* whole pages, the ones the segment touches; side-by-side
             * segments (a non-contiguous main arena) read as one */
            const struct glibc_segment *g = &h->segments[i];
            uint64_t lo = g->start & ~(uint64_t)(PAGE - 1);
            uint64_t hi = (g->end + PAGE - 1) & ~(uint64_t)(PAGE - 1);
            total += g->end - g->start;
            if (hi <= lo)
                continue;          /* an end near 2^64 wrapped: not read ahead */
            if (order && n && order[n - 1].hi == lo)
                order[n - 1].hi = hi;
            else if (order)
                order[n++] = (struct mem_range){ lo, hi };
        }
    block_cache_stream(&h->cache, order, n);
    bool ok = true;
    for (int i = first; i <= last && ok; i++)
        if (arena < 0 || h->segments[i].arena == arena)
            ok = walk_segment(h, i, fn, arg, &done, total, err, errlen);
    block_cache_stream(&h->cache, NULL, 0);
    free(order);
    return ok;
}

bool glibc_heap_walk(struct glibc_heap *h, int arena, glibc_chunk_fn fn, void *arg,
                     char *err, size_t errlen)
{
    return walk_segments(h, 0, h->nsegments - 1, arena, fn, arg, err, errlen);
}

bool glibc_heap_walk_segment(struct glibc_heap *h, int segment, glibc_chunk_fn fn,
                             void *arg, char *err, size_t errlen)
{
    return walk_segments(h, segment, segment, -1, fn, arg, err, errlen);
}

void chunk_fanout_add(struct chunk_fanout *f, glibc_chunk_fn fn, void *arg)
{
    if (f->n < CHUNK_FANOUT_MAX) {
        f->fn[f->n] = fn;
        f->arg[f->n++] = arg;
    }
}

void chunk_fanout_chunk(void *arg, const struct glibc_chunk *c)
{
    const struct chunk_fanout *f = arg;
    for (int i = 0; i < f->n; i++)
        f->fn[i](f->arg[i], c);
}
