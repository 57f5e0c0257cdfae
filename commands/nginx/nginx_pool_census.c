#include "nginx_pool_census.h"

#include "grow_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { POOL_HEADER = 80 };

/* A first pool block: d.end = U + size, U+80 <= d.last <= d.end, and
 * max = min(size - 80, pagesize - 1), set by ngx_create_pool. */
void pool_census_chunk(void *arg, const struct glibc_chunk *c)
{
    struct pool_census_walk *k = arg;
    if (c->cls != CH_IN_USE || c->size < 16 + POOL_HEADER)
        return;
    uint64_t u = c->addr + 16, h[5];
    const uint8_t *in_window = block_cache_peek(&k->heap->cache, u, sizeof h);
    if (in_window)
        memcpy(h, in_window, sizeof h);
    else if (mem_read(&k->heap->mem, u, h, sizeof h) != 0)
        return;
    uint64_t last = h[0], end = h[1], max = h[4], size = end - u;
    uint64_t want_max = size - POOL_HEADER < k->pagesize - 1 ? size - POOL_HEADER
                                                             : k->pagesize - 1;
    if (end <= u || size > c->size - 8 || size < POOL_HEADER || last < u + POOL_HEADER ||
        last > end || max != want_max)
        return;
    if (!grow_array(&k->v, &k->cap, k->n, sizeof *k->v, 256)) {
        k->oom = true;
        return;
    }
    k->v[k->n++] = u;
}

const char *const pool_kind_names[PK_COUNT] = {
    "cycle", "old_cycle", "connection", "request", "other_16k", "other",
};
const char *const pool_kind_evidence[PK_COUNT] = {
    "ngx_cycle->pool",
    "cycle->old_cycle / ngx_old_cycles",
    "size = connection_pool_size default (256 or 512 B)",
    "size = request_pool_size default (4 KiB)",
    "NGX_CYCLE_POOL_SIZE but no cycle owns it (e.g. a configuration temp pool)",
    "any other size",
};

static enum pool_kind classify(uint64_t u, uint64_t size, const struct named_pool *cycles,
                               int ncycles)
{
    for (int i = 0; i < ncycles; i++)
        if (cycles[i].pool == u)
            return i == 0 ? PK_CYCLE : PK_OLD_CYCLE;
    if (size == 256 || size == 512)
        return PK_CONNECTION;
    if (size == 4096)
        return PK_REQUEST;
    return size == NGX_CYCLE_POOL_SIZE ? PK_CYCLE_SIZED : PK_OTHER;
}

void pool_census_begin(struct pool_census_walk *k, struct glibc_heap *h,
                       const struct nginx_state *st)
{
    memset(k, 0, sizeof *k);
    k->heap = h;
    k->pagesize = st->pagesize;
}

void pool_census_release(struct pool_census_walk *k)
{
    free(k->v);
    free(k->pool_chunks);
    k->v = NULL;
    k->pool_chunks = NULL;
}

void pool_census_follow(struct pool_census_walk *k, pool_chunk_owner_fn fn, void *arg)
{
    k->owned = fn;
    k->owned_arg = arg;
}

struct pooled_chunks {
    const struct mem_reader *m;
    struct pool_census *out;
    uint64_t bytes;              /* this pool's chunks */
    struct pool_census_walk *keep;   /* when followed: the chunks kept */
};

/* A block or large allocation at ADDR (what malloc returned): its chunk's
 * size, from the chunk header just below it. */
static void count_pooled_chunk(void *arg, uint64_t addr, bool large)
{
    struct pooled_chunks *p = arg;
    uint64_t size;
    if (addr < 16 || !mem_read_u64(p->m, addr - 8, &size))
        return;
    /* an mmapped chunk (IS_MMAPPED) is no chunk of the heap: the census
     * counts what the heap walk counts; it is still the pool's (followed) */
    bool mmapped = size & 2;
    size &= ~(uint64_t)7;
    if (!mmapped) {
        struct count_bytes *b = &p->out->pooled[size_bucket(size)];
        b->count++;
        b->bytes += size;
        p->bytes += size;
    }
    struct pool_census_walk *k = p->keep;
    if (k && !k->oom) {
        if (grow_array(&k->pool_chunks, &k->pool_chunks_cap, k->npool_chunks + 1,
                       sizeof *k->pool_chunks, 1024)) {
            k->pool_chunks[k->npool_chunks++] = addr - 16;
            k->pool_chunks[k->npool_chunks++] = size | large;   /* sizes are 16s */
        } else {
            k->oom = true;
        }
    }
}

bool pool_census_finish(struct pool_census_walk *k, const struct named_pool *cycles,
                        int ncycles, struct pool_census *out, char *err, size_t errlen)
{
    struct glibc_heap *h = k->heap;
    memset(out, 0, sizeof *out);
    if (k->oom) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    out->candidates = k->n;
    for (size_t i = 0; i < k->n; i++) {
        struct nginx_pool_stats ps;
        char why[256];
        /* pool chains a page at a time: a cycle's blocks are 16 KiB
         * apart, and a wider window would read whole blocks */
        struct pooled_chunks pc = { &h->headers, out, 0, k->owned ? k : NULL };
        k->npool_chunks = 0;
        if (!nginx_pool_walk(&h->headers, k->v[i], true, &ps, count_pooled_chunk, &pc, why,
                             sizeof why)) {
            out->rejected++;
            continue;
        }
        enum pool_kind kind = classify(k->v[i], ps.first_block_size, cycles, ncycles);
        for (size_t c = 0; c + 1 < k->npool_chunks; c += 2)
            k->owned(k->owned_arg, kind, k->pool_chunks[c], k->pool_chunks[c + 1] & ~1ull,
                     k->pool_chunks[c + 1] & 1);
        struct pool_kind_total *kt = &out->kinds[kind];
        kt->pools++;
        kt->blocks += ps.blocks;
        kt->bytes += ps.block_bytes + ps.large_bytes;
        kt->used += ps.used_bytes;
        kt->unused += ps.unused_bytes;
        kt->large += ps.large_count;
        kt->large_bytes += ps.large_bytes;
        kt->chunk_bytes += pc.bytes;
        if ((i & 1023) == 1023 && h->raw->progress &&
            h->raw->progress(h->raw->ctx, i, k->n)) {
            snprintf(err, errlen, "interrupted");
            return false;
        }
    }
    if (k->oom) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    return true;
}

bool nginx_pool_census(struct glibc_heap *h, const struct nginx_state *st,
                       const struct named_pool *cycles, int ncycles,
                       struct pool_census *out, char *err, size_t errlen)
{
    /* freed however we leave, a Ctrl-C raised by the progress hook too */
    struct pool_census_walk k __attribute__((cleanup(pool_census_release)));
    pool_census_begin(&k, h, st);
    if (!glibc_heap_walk(h, -1, pool_census_chunk, &k, err, errlen))
        return false;
    return pool_census_finish(&k, cycles, ncycles, out, err, errlen);
}
