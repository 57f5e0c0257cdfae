#include "glibc_stats.h"

#include <stdlib.h>
#include <string.h>

enum { PAGE = 4096 };

int size_bucket(uint64_t size)
{
    int b = size ? 63 - __builtin_clzll(size) : 0;
    return b < SIZE_BUCKETS ? b : SIZE_BUCKETS - 1;
}

static bool is_free_class(enum chunk_class c)
{
    return c == CH_TCACHE || c == CH_FAST || c == CH_UNSORTED || c == CH_SMALL ||
           c == CH_LARGE;
}

/* Chunks malloc_consolidate could merge: binned and fastbin, not tcache. */
static bool is_consolidatable(enum chunk_class c)
{
    return c == CH_FAST || c == CH_UNSORTED || c == CH_SMALL || c == CH_LARGE;
}

bool glibc_stats_begin(struct glibc_stats_walk *w, struct glibc_heap *h)
{
    memset(w, 0, sizeof *w);
    w->heap = h;
    w->per_arena = calloc((size_t)(h->narenas ? h->narenas : 1), sizeof *w->per_arena);
    w->run_segment = -1;
    return w->per_arena != NULL;
}

void glibc_stats_free(struct glibc_stats_walk *w)
{
    free(w->per_arena);
    w->per_arena = NULL;
}

static void add_trim(struct glibc_stats_walk *w, int arena, uint64_t madvise, uint64_t top)
{
    struct glibc_stats *s[2] = { &w->per_arena[arena], &w->total };
    for (int i = 0; i < 2; i++) {
        s[i]->trim_madvise += madvise;
        s[i]->trim_top += top;
        s[i]->trimmable += madvise + top;
    }
}

/* glibc 2.36 mtrim(): whole pages inside a free chunk, past its first 48
 * bytes (the malloc_chunk header and links it must keep). */
static uint64_t madvisable(uint64_t p, uint64_t size)
{
    const uint64_t psm1 = PAGE - 1, hdr = 48;
    if (size <= psm1 + hdr)
        return 0;
    uint64_t paligned = (p + hdr + psm1) & ~psm1;
    uint64_t rest = size - (paligned - p);
    return rest > psm1 ? rest & ~psm1 : 0;
}

/* glibc systrim(0): top above MINSIZE, in pages, main arena in its brk. */
static uint64_t systrimmable(const struct glibc_heap *h, const struct glibc_arena *a,
                             uint64_t top_size)
{
    if (!a->is_main || a->noncontiguous || top_size <= GLIBC_MINSIZE + 1)
        return 0;
    uint64_t ps = h->st.thp_pagesize ? h->st.thp_pagesize : PAGE;
    return (top_size - GLIBC_MINSIZE - 1) & ~(ps - 1);
}

static void close_run(struct glibc_stats_walk *w, const struct glibc_chunk *closer)
{
    if (!w->run_open)
        return;
    w->run_open = false;
    bool into_top = closer && closer->cls == CH_TOP && closer->segment == w->run_segment;
    if (w->run_has_fast && into_top)
        return;   /* merges into top: counted when top is seen (run_bytes kept) */
    if (w->run_has_fast || w->run_chunks > 1)
        add_trim(w, w->run_arena, madvisable(w->run_start, w->run_bytes), 0);
    else
        add_trim(w, w->run_arena, madvisable(w->run_single_addr, w->run_single_size), 0);
    w->run_bytes = 0;
}

static void count(struct glibc_stats *s, const struct glibc_chunk *c)
{
    s->cls[c->cls].count++;
    s->cls[c->cls].bytes += c->size;
    struct count_bytes *b = &s->bucket[c->cls][size_bucket(c->size)];
    b->count++;
    b->bytes += c->size;
    if (is_free_class(c->cls) && c->size > s->largest_free) {
        s->largest_free = c->size;
        s->largest_free_addr = c->addr;
    }
}

void glibc_stats_chunk(void *arg, const struct glibc_chunk *c)
{
    struct glibc_stats_walk *w = arg;
    count(&w->per_arena[c->arena], c);
    count(&w->total, c);

    if (c->segment != w->run_segment) {
        close_run(w, NULL);
        w->run_segment = c->segment;
        w->run_free_bytes = 0;
    }
    /* free memory below the highest in-use chunk of the segment */
    if (is_free_class(c->cls)) {
        w->run_free_bytes += c->size;
    } else if (c->cls == CH_IN_USE) {
        w->per_arena[c->arena].free_below_highest_in_use += w->run_free_bytes;
        w->total.free_below_highest_in_use += w->run_free_bytes;
        w->run_free_bytes = 0;
        uint64_t end = c->addr + c->size;
        if (end > w->per_arena[c->arena].highest_in_use_end)
            w->per_arena[c->arena].highest_in_use_end = end;
    }

    if (is_consolidatable(c->cls)) {
        if (!w->run_open) {
            w->run_open = true;
            w->run_arena = c->arena;
            w->run_start = c->addr;
            w->run_bytes = 0;
            w->run_chunks = 0;
            w->run_has_fast = false;
            w->run_single_addr = c->addr;
            w->run_single_size = c->size;
        }
        w->run_bytes += c->size;
        w->run_chunks++;
        w->run_has_fast |= c->cls == CH_FAST;
        return;
    }
    uint64_t merged = w->run_open && w->run_has_fast && c->cls == CH_TOP ? w->run_bytes : 0;
    close_run(w, c);
    if (c->cls == CH_TOP)
        add_trim(w, c->arena, 0,
                 systrimmable(w->heap, &w->heap->arenas[c->arena], c->size + merged));
}

void glibc_stats_end(struct glibc_stats_walk *w)
{
    close_run(w, NULL);
}

static void move(struct glibc_stats *s, const struct glibc_chunk *c, enum chunk_class from)
{
    int b = size_bucket(c->size);
    s->cls[from].count--;
    s->cls[from].bytes -= c->size;
    s->bucket[from][b].count--;
    s->bucket[from][b].bytes -= c->size;
    s->cls[c->cls].count++;
    s->cls[c->cls].bytes += c->size;
    s->bucket[c->cls][b].count++;
    s->bucket[c->cls][b].bytes += c->size;
}

void glibc_stats_reclass(void *arg, const struct glibc_chunk *c, enum chunk_class from)
{
    struct glibc_stats_walk *w = arg;
    move(&w->per_arena[c->arena], c, from);
    move(&w->total, c, from);
}
