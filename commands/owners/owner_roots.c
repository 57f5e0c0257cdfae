#include "owner_roots.h"

#include "grow_array.h"
#include "lower_bound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CONFS_READ_MAX = 4096, CONF_MAX_BYTES = 4096, HOP_BYTES = 32, WINDOW = OWNER_WINDOW_BYTES, SPAN_GAP = 4096,
       DEFERRED_MAX = 1 << 22 };

static const char *const level_names[] = { "core", "event", "main", "server", "location" };

/* The user memory of the in-use container chunk holding ADDR. */
static bool container_span(const struct owner_graph *g, uint64_t addr, uint64_t *lo,
                           uint64_t *hi)
{
    uint64_t start, size;
    int64_t i = heap_index_find(g->ix, addr, &start, &size);
    if (i < 0 || !heap_index_in_use(g->ix, (uint64_t)i) ||
        !((g->container[(uint64_t)i / 64] >> ((uint64_t)i % 64)) & 1))
        return false;
    *lo = start + 16;
    *hi = start + 16 + heap_index_usable(g->ix, start, size);
    return true;
}

/* The user memory of the in-use chunk holding ADDR (any: not yet a
 * container). */
static bool container_or_node(const struct owner_graph *g, uint64_t addr, uint64_t *lo,
                              uint64_t *hi)
{
    uint64_t start, size;
    int64_t i = heap_index_find(g->ix, addr, &start, &size);
    if (i < 0 || !heap_index_in_use(g->ix, (uint64_t)i) || addr - start < 16)
        return false;
    *lo = start + 16;
    *hi = start + 16 + heap_index_usable(g->ix, start, size);
    return true;
}

/* The classes, made in the order that ranks them. */
struct classes {
    int conf[NGX_MODULES_MAX][5];   /* a module's at a level; -1 none */
    int connections;
    int pool[PK_COUNT];
};

static void make_classes(struct owner_graph *g, const struct nginx_confs *c, struct classes *k)
{
    static bool present[NGX_MODULES_MAX][5];
    memset(present, 0, sizeof present);
    memset(k->conf, -1, sizeof k->conf);
    for (size_t i = 0; c && i < c->n; i++)
        present[conf_module(c->v[i])][conf_level(c->v[i])] = true;
    for (int m = 0; c && m < c->nmods; m++)
        for (int level = 0; level < 5; level++)
            if (present[m][level])
                k->conf[m][level] = owner_graph_class(g, "module_conf", c->mods[m].name,
                                                      level_names[level]);
    k->connections = owner_graph_class(g, "connections", NULL, NULL);
    for (int p = 0; p < PK_COUNT; p++)
        k->pool[p] = owner_graph_class(g, pool_kind_names[p], NULL, NULL);
}

/* The pool memory holding a run of configurations in address order: the
 * last container found, asked again (most confs share a block). */
struct container_memo {
    uint64_t lo, hi;
};

static bool container_of(const struct owner_graph *g, struct container_memo *m, uint64_t addr,
                         uint64_t *lo, uint64_t *hi)
{
    if (addr < m->lo || addr >= m->hi) {
        if (!container_span(g, addr, &m->lo, &m->hi)) {
            m->lo = m->hi = 0;
            return false;
        }
    }
    *lo = m->lo;
    *hi = m->hi;
    return true;
}

/* Configuration K's gap: to the next one at another address, at most
 * 4 KiB, within the pool memory holding it (0: none known). */
static uint64_t conf_gap(const struct owner_graph *g, struct container_memo *memo,
                         const struct nginx_confs *c, size_t k)
{
    uint64_t a = conf_addr(c->v[k]), lo, hi, end = a + CONF_MAX_BYTES;
    size_t next = k + 1;
    while (next < c->n && conf_addr(c->v[next]) == a)
        next++;
    if (next < c->n && conf_addr(c->v[next]) < end)
        end = conf_addr(c->v[next]);
    if (container_of(g, memo, a, &lo, &hi) && hi < end)
        end = hi;
    return end > a ? end - a : 0;
}

/* Every configuration's extent, asked in address order (a few times
 * over): a module's configurations of one level are one C struct, as long
 * as the shortest gap any of them leaves to the next (with thousands of
 * locations, some conf is followed at once by the next module's). Where a
 * gap holds more -- the last conf before what nginx allocated later, such
 * as the lua module's ngx_ssl_t -- that is not the conf's. No array per
 * conf: the gaps are found again as the confs are met. */
struct conf_extents {
    const struct owner_graph *g;
    const struct nginx_confs *c;
    uint64_t shortest[NGX_MODULES_MAX][5];
    struct container_memo memo;
};

static void conf_extents_measure(struct conf_extents *x, const struct owner_graph *g,
                                 const struct nginx_confs *c)
{
    x->g = g;
    x->c = c;
    x->memo = (struct container_memo){ 0, 0 };
    for (int m = 0; m < NGX_MODULES_MAX; m++)
        for (int l = 0; l < 5; l++)
            x->shortest[m][l] = CONF_MAX_BYTES;
    for (size_t k = 0; k < c->n; k++) {
        uint64_t gap = conf_gap(g, &x->memo, c, k);
        uint64_t *s = &x->shortest[conf_module(c->v[k])][conf_level(c->v[k])];
        if (gap && gap < *s)
            *s = gap;
    }
}

/* Where configuration K ends. */
static uint64_t conf_end(struct conf_extents *x, size_t k)
{
    uint64_t gap = conf_gap(x->g, &x->memo, x->c, k);
    uint64_t s = x->shortest[conf_module(x->c->v[k])][conf_level(x->c->v[k])];
    return conf_addr(x->c->v[k]) + (gap < s ? gap : s);
}

/* Words of pool memory outside every configuration that point at a chunk
 * the graph follows: whose they are waits until pass two has seen the
 * configurations (one of which may point at the little structure that
 * holds the word: a lua loc conf points to its ngx_ssl_t, which holds the
 * SSL_CTX). In address order, as pass one finds them. */
struct deferred {
    uint64_t at, value;
    int cls;
    uint32_t hop;                /* from the conf pointer that gave CLS; HOP_BYTES: none */
};

struct deferrals {
    struct deferred *v;
    size_t n, cap;
    bool oom;
};

static int by_chunk(const void *a, const void *b)
{
    const struct pool_container *x = a, *y = b;
    return x->chunk < y->chunk ? -1 : x->chunk > y->chunk;
}

/* The configurations met in address order by pass one. */
struct conf_walk {
    const struct nginx_confs *c;
    struct conf_extents *ext;
    size_t conf;                 /* the next conf that may hold a word */
    uint64_t conf_to;            /* its end */
};

/* Pass one's words of pool memory [AT, END) read into BUF, of class CLS:
 * those outside every configuration that point at a chunk the graph
 * follows are deferred (with the CPU's popcount where it has one: the
 * index's lookups count bits). */
__attribute__((target_clones("popcnt", "default")))
static void pool_words(struct owner_graph *g, const uint8_t *buf, uint64_t at, uint64_t end,
                       int cls, struct conf_walk *w, struct deferrals *d)
{
    const struct nginx_confs *c = w->c;
    for (uint64_t a = at; a + 8 <= end; a += 8) {
        while (c && w->conf < c->n && w->conf_to <= a)
            w->conf_to = ++w->conf < c->n ? conf_end(w->ext, w->conf) : 0;
        if (c && w->conf < c->n && conf_addr(c->v[w->conf]) <= a) {
            a = (w->conf_to - 8 > a ? w->conf_to - 8 : a);   /* pass two's */
            continue;
        }
        uint64_t v;
        memcpy(&v, buf + (a - at), 8);
        if (!owner_graph_node_at(g, v))
            continue;
        if (d->n < DEFERRED_MAX && grow_array(&d->v, &d->cap, d->n, sizeof *d->v, 1024)) {
            d->v[d->n++] = (struct deferred){ a, v, cls, HOP_BYTES };
        } else {
            d->oom = d->n < DEFERRED_MAX;
            owner_graph_words(g, cls, &v, 1);   /* past the cap: the pool's */
        }
    }
}

struct pool_items {
    const struct owner_graph *g;
    const struct pool_container *pools;
    size_t n, i;
};

/* The next pool container's memory (its tag: its place in the list). */
static bool pool_item(void *arg, uint64_t *addr, uint64_t *len, uint64_t *tag)
{
    struct pool_items *p = arg;
    for (uint64_t lo, hi; p->i < p->n;)
        if (container_span(p->g, p->pools[p->i++].chunk + 16, &lo, &hi)) {
            *addr = lo;
            *len = hi - lo;
            *tag = p->i - 1;
            return true;
        }
    return false;
}

/* Pass one: the pools' memory but their configurations (blocks up to
 * their last allocation, the rest is whatever the heap held before; large
 * allocations whole), a container at a time in address order, the next
 * ones read while one is scanned. */
static void pass_pools(struct owner_graph *g, struct pool_container *pools, size_t npools,
                       const struct nginx_confs *c, struct conf_extents *ext,
                       const struct classes *k, struct deferrals *d)
{
    uint8_t *buf = g->window;
    struct conf_walk w = { c, ext, 0, c && c->n ? conf_end(ext, 0) : 0 };
    qsort(pools, npools, sizeof *pools, by_chunk);
    struct pool_items items = { g, pools, npools, 0 };
    const struct read_item *it;
    const uint8_t *p;
    /* a block's memory ends at the next chunk's size field: in its region */
    read_stream_begin(&g->stream, 8, pool_item, &items);
    while ((it = read_stream_get(&g->stream, &p))) {
        const struct pool_container *pc = &pools[it->tag];
        uint64_t lo = it->addr, hi = lo + it->len, last;
        int cls = k->pool[pc->kind];
        for (uint64_t at = lo; at < hi;) {
            uint64_t end = hi - at > WINDOW ? at + WINDOW : hi;
            if (!p && (hi - lo <= WINDOW || mem_read(g->m, at, buf, (size_t)(end - at)) != 0)) {
                g->unread_root_bytes += end - at;
                at = end;
                continue;
            }
            const uint8_t *bytes = p ? p : buf;
            if (at == lo && !pc->large && end - at >= 8) {
                memcpy(&last, bytes, 8);
                if (last > lo && last <= hi && last < end)
                    end = hi = last;
            }
            g->root_bytes += end - at;
            pool_words(g, bytes, at, end, cls, &w, d);
            at = end;
        }
    }
}

/* Where the deferred words are, by 32-byte bucket (HOP_BYTES): each
 * bucket holding one, with the first of them (they are in address
 * order). A conf word is looked up in two buckets, not searched for. */
struct hop_index {
    uint64_t *bucket;            /* bucket + 1; 0: empty slot */
    uint32_t *first;
    size_t mask;
    /* a bit per hash of a bucket, 16 per deferred word: most conf words
     * point where none is, known from one bit in the cache */
    uint64_t *filter;
    unsigned shift;
};

static uint64_t hop_hash(uint64_t b)
{
    return b * 0x9e3779b97f4a7c15ull;
}

static bool hop_filtered_out(const struct hop_index *h, uint64_t b)
{
    uint64_t f = hop_hash(b) >> h->shift;
    return !((h->filter[f / 64] >> (f % 64)) & 1);
}

static bool hop_index_build(struct hop_index *h, const struct deferrals *d)
{
    size_t cap = 64, bits = 4096;
    while (cap < 2 * d->n)
        cap *= 2;
    for (h->shift = 52; bits < 16 * d->n; h->shift--)
        bits *= 2;
    h->bucket = calloc(cap, sizeof *h->bucket);
    h->first = malloc(cap * sizeof *h->first);
    h->filter = calloc(bits / 64, sizeof *h->filter);
    h->mask = cap - 1;
    if (!h->bucket || !h->first || !h->filter)
        return false;
    for (size_t i = 0; i < d->n; i++) {
        uint64_t f = hop_hash(d->v[i].at / HOP_BYTES) >> h->shift;
        h->filter[f / 64] |= 1ull << (f % 64);
        uint64_t b = d->v[i].at / HOP_BYTES + 1;
        size_t s = (size_t)hop_hash(b) & h->mask;
        while (h->bucket[s] && h->bucket[s] != b)
            s = (s + 1) & h->mask;
        if (!h->bucket[s]) {
            h->bucket[s] = b;
            h->first[s] = (uint32_t)i;
        }
    }
    return true;
}

/* The first deferred word in bucket B, or -1. */
static int64_t hop_first(const struct hop_index *h, uint64_t b)
{
    for (size_t s = (size_t)hop_hash(b + 1) & h->mask; h->bucket[s]; s = (s + 1) & h->mask)
        if (h->bucket[s] == b + 1)
            return h->first[s];
    return -1;
}

static void hop_index_free(struct hop_index *h)
{
    free(h->filter);
    free(h->bucket);
    free(h->first);
}

/* Conf word W of class CLS: the deferred words in the 32 bytes at W are
 * its class's, unless another conf word points nearer below them (first
 * in the order if as near): the word is the object's whose start is
 * nearest below it (a string a core conf points to may end just before
 * the lua conf's ngx_ssl_t). */
static void hop(struct deferrals *d, const struct hop_index *h, uint64_t w, int cls)
{
    for (uint64_t b = w / HOP_BYTES; b <= (w + HOP_BYTES - 1) / HOP_BYTES; b++) {
        if (hop_filtered_out(h, b))
            continue;
        int64_t at = hop_first(h, b);
        for (; at >= 0 && (size_t)at < d->n && d->v[at].at / HOP_BYTES == b; at++) {
            if (d->v[at].at < w || d->v[at].at >= w + HOP_BYTES)
                continue;
            uint32_t n = (uint32_t)(d->v[at].at - w);
            if (n < d->v[at].hop || (n == d->v[at].hop && cls < d->v[at].cls)) {
                d->v[at].cls = cls;
                d->v[at].hop = n;
            }
        }
    }
}

/* The configurations in runs read as one (to at most a WINDOW): each run
 * an item whose tag is its first conf (above 16 bits) and its count. */
struct conf_runs {
    const struct nginx_confs *c;
    struct conf_extents *ext;
    size_t a;                    /* the next run's first conf */
    uint64_t next_end;           /* its end */
};

static bool conf_run(void *arg, uint64_t *addr, uint64_t *len, uint64_t *tag)
{
    struct conf_runs *r = arg;
    const struct nginx_confs *c = r->c;
    size_t a = r->a, b = a + 1;
    if (a >= c->n)
        return false;
    uint64_t lo = conf_addr(c->v[a]), hi = r->next_end;
    r->next_end = b < c->n ? conf_end(r->ext, b) : 0;
    /* confs at one address end apart: the span reaches the furthest */
    while (b < c->n && b - a < CONFS_READ_MAX && conf_addr(c->v[b]) <= hi + SPAN_GAP &&
           r->next_end - lo <= WINDOW) {
        hi = r->next_end > hi ? r->next_end : hi;
        b++;
        r->next_end = b < c->n ? conf_end(r->ext, b) : 0;
    }
    r->a = b;
    *addr = lo;
    *len = hi - lo;
    *tag = (uint64_t)a << 16 | (b - a);
    return true;
}

/* Pass two: every configuration's words for its class; a word pointing
 * into pool memory gives its class the deferred words in the 32 bytes
 * there (hop). The next runs are read while one is scanned. */
static void pass_confs(struct owner_graph *g, const struct nginx_confs *c,
                       struct conf_extents *ext, const struct classes *k, struct deferrals *d)
{
    struct hop_index h = { 0 };
    /* without room for it the deferred words stay their pools' */
    bool hops = d->n && hop_index_build(&h, d);
    d->oom |= d->n && !hops;
    uint64_t first = hops ? d->v[0].at : 0, last = hops ? d->v[d->n - 1].at : 0;
    struct conf_runs runs = { c, ext, 0, c->n ? conf_end(ext, 0) : 0 };
    const struct read_item *it;
    const uint8_t *buf;
    read_stream_begin(&g->stream, 0, conf_run, &runs);
    while ((it = read_stream_get(&g->stream, &buf))) {
        if (!buf) {
            g->unread_root_bytes += it->len;
            continue;
        }
        size_t a = (size_t)(it->tag >> 16), b = a + (it->tag & 0xffff);
        for (size_t i = a; i < b; i++) {
            int cls = k->conf[conf_module(c->v[i])][conf_level(c->v[i])];
            uint64_t from = conf_addr(c->v[i]);
            /* the run's ends, found again as the run was made */
            size_t n = (size_t)((conf_end(ext, i) - from) / 8);
            const uint64_t *w = (const uint64_t *)(buf + (from - it->addr));
            g->root_bytes += n * 8;
            owner_graph_words(g, cls, w, n);
            for (size_t j = 0; j < n && hops; j++)
                /* most words point at no deferred word: a compare or two */
                if (!(w[j] & 7) && w[j] <= last && w[j] + HOP_BYTES > first)
                    hop(d, &h, w[j], cls);
        }
    }
    hop_index_free(&h);
}

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static bool overlaps(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return a < d && c < b;
}

/* Is mapping MP a heap region, a LuaJIT segment, a skipped range or a
 * stack: memory other classes cover? */
static bool covered(const struct owner_graph *g, const struct owner_inputs *in,
                    const struct mem_mapping *mp)
{
    for (size_t r = 0; r < g->ix->nregions; r++)
        if (overlaps(mp->start, mp->end, g->ix->regions[r].start, g->ix->regions[r].end))
            return true;
    for (int k = 0; in->lua && k < in->lua->n; k++)
        if (overlaps(mp->start, mp->end, in->lua->start[k], in->lua->end[k]))
            return true;
    for (int k = 0; k < in->nskip; k++)
        if (overlaps(mp->start, mp->end, in->skip_start[k], in->skip_end[k]))
            return true;
    for (int k = 0; k < in->nsp; k++)
        if (in->sp[k] >= mp->start && in->sp[k] < mp->end)
            return true;
    return strcmp(mp->path, "[stack]") == 0;
}

static bool plain_memory(const struct mem_mapping *mp)
{
    return mp->readable && mp->writable && !mp->shared;
}

/* Each loaded object's data (its writable file mappings) and bss (the
 * anonymous mapping right after them), a class an object, named once by
 * its first mapping (a core holds no code mappings: any of its file's
 * mappings names it). */
static void object_roots(struct owner_graph *g, const struct owner_inputs *in, bool *bss)
{
    const struct mem_mappings *ms = in->maps;
    for (size_t i = 0; i < ms->n; i++) {
        const struct mem_mapping *mp = &ms->v[i];
        if (!mp->file || !mp->path[0])
            continue;
        bool seen = false, data = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = ms->v[k].file && strcmp(ms->v[k].path, mp->path) == 0;
        for (size_t k = i; k < ms->n && !data; k++)
            data = ms->v[k].file && plain_memory(&ms->v[k]) &&
                   strcmp(ms->v[k].path, mp->path) == 0;
        if (seen || !data)
            continue;
        int cls = owner_graph_class(g, "object_data", basename_of(mp->path), NULL);
        for (size_t k = i; k < ms->n; k++) {
            if (!ms->v[k].file || strcmp(ms->v[k].path, mp->path) != 0 ||
                !plain_memory(&ms->v[k]))
                continue;
            owner_graph_scan(g, cls, ms->v[k].start, ms->v[k].end);
            const struct mem_mapping *next = k + 1 < ms->n ? &ms->v[k + 1] : NULL;
            if (next && !next->file && !next->path[0] && next->start == ms->v[k].end &&
                plain_memory(next) && !covered(g, in, next)) {
                owner_graph_scan(g, cls, next->start, next->end);
                bss[k + 1] = true;
            }
        }
    }
}

static void stack_roots(struct owner_graph *g, const struct owner_inputs *in)
{
    const struct mem_mappings *ms = in->maps;
    int cls = owner_graph_class(g, "stack", NULL, NULL);
    bool any = false;
    for (int k = 0; k < in->nsp; k++)
        for (size_t i = 0; i < ms->n; i++)
            if (in->sp[k] >= ms->v[i].start && in->sp[k] < ms->v[i].end && ms->v[i].readable) {
                owner_graph_scan(g, cls, in->sp[k] & ~7ull, ms->v[i].end);
                any = true;
            }
    for (size_t i = 0; i < ms->n && !any; i++)
        if (strcmp(ms->v[i].path, "[stack]") == 0)
            owner_graph_scan(g, cls, ms->v[i].start, ms->v[i].end);
}

/* The last run's classes and configuration extents (owner_roots_conf_of
 * asks them again). */
static struct classes run_classes;
static struct conf_extents run_extents;

bool owner_roots_run(struct owner_graph *g, const struct owner_inputs *in, owner_leak_fn leak,
                     void *leak_arg, char *err, size_t errlen)
{
    struct classes *k = &run_classes;
    const struct nginx_confs *c = in->confs;
    make_classes(g, c, k);
    for (size_t i = 0; i < in->npools; i++)
        owner_graph_container(g, k->pool[in->pools[i].kind], in->pools[i].chunk + 16,
                              OT_POOL_BLOCKS);
    /* a worker's connections and events: arrays nginx allocates outside
     * its pools (ngx_alloc), theirs outright, their memory roots */
    uint64_t conn_lo[3], conn_hi[3];
    int nconn = 0;
    for (int i = 0; i < 3; i++)
        if (in->connections[i] && container_or_node(g, in->connections[i], &conn_lo[nconn],
                                                    &conn_hi[nconn])) {
            owner_graph_container(g, k->connections, in->connections[i], OT_CONNECTIONS);
            nconn++;
        }
    struct conf_extents *ext = &run_extents;
    struct deferrals d = { 0 };
    bool *bss = calloc(in->maps->n + 1, sizeof *bss);
    struct pool_container *pools = malloc((in->npools + 1) * sizeof *pools);
    bool ok = bss && pools;
    if (ok && c)
        conf_extents_measure(ext, g, c);
    owner_graph_step(g, "conf extents");
    if (ok) {
        memcpy(pools, in->pools, in->npools * sizeof *pools);
        pass_pools(g, pools, in->npools, c, ext, k, &d);
        owner_graph_step(g, "pool memory");
        if (c)
            pass_confs(g, c, ext, k, &d);
        owner_graph_step(g, "configurations");
        for (size_t i = 0; i < d.n; i++)
            owner_graph_words(g, d.v[i].cls, &d.v[i].value, 1);
        /* configurations outside every pool's memory: scanned where they are */
        for (size_t i = 0; c && i < c->n; i++) {
            uint64_t lo, hi;
            if (!container_span(g, conf_addr(c->v[i]), &lo, &hi))
                owner_graph_scan(g, k->conf[conf_module(c->v[i])][conf_level(c->v[i])],
                                 conf_addr(c->v[i]), conf_end(ext, i));
        }
    }
    for (int i = 0; ok && i < nconn; i++)
        owner_graph_scan(g, k->connections, conn_lo[i], conn_hi[i]);
    if (ok && in->lua && in->lua->n) {
        int cls = owner_graph_class(g, "lua_vm", NULL, NULL);
        for (int s = 0; s < in->lua->n; s++)
            owner_graph_scan(g, cls, in->lua->start[s], in->lua->end[s]);
    }
    if (ok) {
        object_roots(g, in, bss);
        stack_roots(g, in);
        if (in->nregisters)
            owner_graph_words(g, owner_graph_class(g, "registers", NULL, NULL), in->registers,
                              (size_t)in->nregisters);
        int anon = owner_graph_class(g, "anonymous_memory", NULL, NULL);
        for (size_t i = 0; i < in->maps->n; i++) {
            const struct mem_mapping *mp = &in->maps->v[i];
            if (!mp->file && !mp->path[0] && plain_memory(mp) && !bss[i] && !covered(g, in, mp))
                owner_graph_scan(g, anon, mp->start, mp->end);
        }
    }
    owner_graph_step(g, "other roots");
    if (!ok)
        snprintf(err, errlen, "out of memory");
    else
        ok = owner_graph_settle(g, err, errlen);
    owner_graph_step(g, "settle");
    if (ok)
        owner_graph_finish(g, leak, leak_arg);
    owner_graph_step(g, "finish");
    free(bss);
    free(pools);
    free(d.v);
    return ok;
}

int owner_roots_conf_of(const struct owner_graph *g, const struct owner_inputs *in, uint64_t addr,
                        uint64_t *conf, uint64_t *word)
{
    const struct nginx_confs *c = in->confs;
    struct conf_extents *ext = &run_extents;
    if (!c || !c->n || ext->c != c)
        return -1;
    /* a conf whose extent holds ADDR */
    size_t k = FIRST_WHERE(c->n, x, conf_addr(c->v[x]) > addr);
    ext->memo = (struct container_memo){ 0, 0 };
    if (k > 0 && conf_end(ext, k - 1) > addr) {
        *conf = conf_addr(c->v[k - 1]);
        *word = addr;
        return run_classes.conf[conf_module(c->v[k - 1])][conf_level(c->v[k - 1])];
    }
    /* a conf pointing at most 32 bytes below it: the nearest, first in the
     * order if as near (as pass two gave it) */
    int best = -1;
    uint64_t best_hop = HOP_BYTES;
    uint8_t *buf = g->window;
    ext->memo = (struct container_memo){ 0, 0 };
    for (size_t i = 0; i < c->n; i++) {
        uint64_t from = conf_addr(c->v[i]), to = conf_end(ext, i);
        size_t n = (size_t)((to - from) / 8);
        if (!n || n * 8 > WINDOW || mem_read(g->m, from, buf, n * 8) != 0)
            continue;
        int cls = run_classes.conf[conf_module(c->v[i])][conf_level(c->v[i])];
        for (size_t j = 0; j < n; j++) {
            uint64_t w;
            memcpy(&w, buf + 8 * j, 8);
            if ((w & 7) || w > addr || addr - w >= HOP_BYTES)
                continue;
            if (addr - w < best_hop || (addr - w == best_hop && cls < best)) {
                best_hop = addr - w;
                best = cls;
                *conf = from;
                *word = from + 8 * j;
            }
        }
    }
    return best;
}
