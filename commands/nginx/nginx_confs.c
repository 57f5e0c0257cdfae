#include "nginx_confs.h"

#include "grow_array.h"
#include "radix_sort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MODULE_INDEX_MAX = 4096, CONF_ARRAY_MAX = 4096 };

/* A module's name is a C identifier; anything else is not shown as read. */
static void module_name(const struct mem_reader *m, uint64_t p, char *out)
{
    char buf[NGX_MODULE_NAME_MAX] = "";
    bool ok = p && mem_read(m, p, buf, sizeof buf - 1) == 0;
    size_t n = ok ? strnlen(buf, sizeof buf - 1) : 0;
    for (size_t i = 0; i < n && ok; i++)
        ok = (buf[i] >= 'a' && buf[i] <= 'z') || (buf[i] >= 'A' && buf[i] <= 'Z') ||
             (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '_';
    snprintf(out, NGX_MODULE_NAME_MAX, "%s", ok && n ? buf : "?");
}

static const struct ngx_module_ref *named(const struct nginx_confs *c, const char *name)
{
    for (int i = 0; i < c->nmods; i++)
        if (strcmp(c->mods[i].name, name) == 0)
            return &c->mods[i];
    return NULL;
}

bool nginx_modules_read(const struct mem_reader *m, const struct nginx_state *st,
                        struct nginx_confs *c, char *err, size_t errlen)
{
    uint64_t list, n;
    if (!mem_read_u64(m, st->cycle + st->L->modules, &list) ||
        !mem_read_u64(m, st->cycle + st->L->modules + 8, &n) || !list || n > NGX_MODULES_MAX) {
        snprintf(err, errlen, "cycle->modules unreadable");
        return false;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t mod, f[10];
        if (!mem_read_u64(m, list + 8 * i, &mod) || !mod || mem_read(m, mod, f, sizeof f) != 0)
            continue;
        /* ctx_index is NGX_MODULE_UNSET_INDEX (all ones) for core modules */
        if ((f[0] >= MODULE_INDEX_MAX && f[0] != UINT64_MAX) || f[1] >= MODULE_INDEX_MAX)
            continue;
        struct ngx_module_ref *r = &c->mods[c->nmods++];
        *r = (struct ngx_module_ref){ .addr = mod, .index = f[1], .ctx_index = f[0], .type = f[9] };
        module_name(m, f[2], r->name);
    }
    /* the http block: conf_ctx[ngx_http_module.index] -> {main_conf, ...} */
    const struct ngx_module_ref *http = named(c, "ngx_http_module");
    uint64_t conf_ctx, ctx;
    if (http && mem_read_u64(m, st->cycle, &conf_ctx) &&
        mem_read_u64(m, conf_ctx + 8 * http->index, &ctx) && ctx)
        mem_read_u64(m, ctx, &c->http_main_conf);
    uint64_t max = 0, sym;
    for (int i = 0; i < c->nmods; i++)
        if (c->mods[i].type == NGX_HTTP_MODULE && c->mods[i].ctx_index + 1 > max)
            max = c->mods[i].ctx_index + 1;
    /* ngx_http_max_module, when exported, counts dynamic modules' room too */
    if (mem_symbol(m, "ngx_http_max_module", &sym) && mem_read_u64(m, sym, &c->http_max_module) &&
        c->http_max_module >= max && c->http_max_module <= CONF_ARRAY_MAX)
        return true;
    c->http_max_module = max;
    return true;
}

void http_ctx_finder_chunk(void *arg, const struct glibc_chunk *c)
{
    struct http_ctx_finder *f = arg;
    /* a context is three words allocated from the cycle's pool: in one of
     * its blocks (NGX_CYCLE_POOL_SIZE, its d.end there): a chunk of 16,400
     * bytes in an arena, or whole pages mmapped (a low mmap threshold) */
    if (c->cls != CH_IN_USE || f->oom || !f->main_conf ||
        (c->size != NGX_CYCLE_POOL_SIZE + 16 &&
         !(c->segment < 0 && c->size >= NGX_CYCLE_POOL_SIZE + 16 && c->size <= 2 * NGX_CYCLE_POOL_SIZE)))
        return;
    uint64_t len = NGX_CYCLE_POOL_SIZE, end;
    const uint8_t *p = block_cache_peek(&f->heap->cache, c->addr + 16, len);
    /* outside the walk's window: an mmapped block (a low mmap threshold) */
    static uint8_t block[NGX_CYCLE_POOL_SIZE];
    if (!p && mem_read(&f->heap->mem, c->addr + 16, block, (size_t)len) == 0)
        p = block;
    if (!p)
        return;
    memcpy(&end, p + 8, 8);
    if (end != c->addr + 16 + NGX_CYCLE_POOL_SIZE)
        return;
    for (uint64_t k = 0; k + 24 <= len; k += 8) {
        uint64_t v;
        memcpy(&v, p + k, 8);
        if (v != f->main_conf)
            continue;
        if (!grow_array(&f->at, &f->cap, f->n, sizeof *f->at, 256)) {
            f->oom = true;
            return;
        }
        f->at[f->n++] = c->addr + 16 + k;
    }
}

void http_ctx_finder_release(struct http_ctx_finder *f)
{
    free(f->at);
    f->at = NULL;
    f->n = f->cap = 0;
}

static bool add(struct nginx_confs *c, uint64_t addr, int module, enum ngx_conf_level level)
{
    if (!addr || addr & 7 || addr >> 47)
        return true;
    if (!grow_array(&c->v, &c->cap, c->n, sizeof *c->v, 256))
        return false;
    c->v[c->n++] = conf_ref(addr, module, level);
    return true;
}

/* Module I's entry of the conf array V (N words, read) at LEVEL, for
 * modules of TYPE. */
static bool add_entries(struct nginx_confs *c, const uint64_t *v, uint64_t n, uint64_t type,
                        enum ngx_conf_level level)
{
    for (int i = 0; i < c->nmods; i++)
        if (c->mods[i].type == type && c->mods[i].ctx_index < n &&
            !add(c, v[c->mods[i].ctx_index], i, level))
            return false;
    return true;
}

/* The same for the array at ARRAY, read here. */
static bool add_array(const struct mem_reader *m, struct nginx_confs *c, uint64_t array,
                      uint64_t type, enum ngx_conf_level level)
{
    static uint64_t v[CONF_ARRAY_MAX];
    uint64_t n = c->http_max_module;
    if (!array || !n || mem_read(m, array, v, n * 8) != 0)
        return true;
    return add_entries(c, v, n, type, level);
}

/* Contexts a batch: their three words read in one go, then their
 * srv_conf and loc_conf arrays in another (tens of thousands of
 * locations: two reads a thousand, not three each). */
enum { CTX_BATCH = 1024 };

struct ctx_batch {
    struct mem_span spans[2 * CTX_BATCH];
    uint64_t ctx[CTX_BATCH][3];
    uint64_t *arrays;            /* 2 * CTX_BATCH arrays of http_max_module words */
};

static bool add_contexts(const struct mem_reader *m, struct nginx_confs *c, struct ctx_batch *b,
                         const uint64_t *at, size_t n, uint64_t *last_srv)
{
    uint64_t words = c->http_max_module;
    for (size_t k = 0; k < n; k++)
        b->spans[k] = (struct mem_span){ at[k], b->ctx[k], sizeof b->ctx[k], false };
    mem_read_spans(m, b->spans, n);
    size_t nspans = 0;
    bool want[CTX_BATCH][2], read[CTX_BATCH];
    /* the spans are used again for the arrays */
    for (size_t k = 0; k < n; k++)
        read[k] = b->spans[k].ok;
    for (size_t k = 0; k < n; k++) {
        const uint64_t *ctx = b->ctx[k];
        want[k][0] = want[k][1] = false;
        if (!read[k] || ctx[0] != c->http_main_conf || !ctx[1] || !ctx[2] ||
            (ctx[1] & 7) || (ctx[2] & 7))
            continue;
        c->contexts++;
        /* a location's srv_conf is its server's, met again and kept once */
        want[k][0] = ctx[1] != *last_srv;
        want[k][1] = true;
        *last_srv = ctx[1];
        for (int j = 0; j < 2; j++)
            if (want[k][j]) {
                b->spans[nspans] = (struct mem_span){ ctx[1 + j], b->arrays + nspans * words,
                                                      words * 8, false };
                nspans++;
            }
    }
    mem_read_spans(m, b->spans, nspans);
    size_t s = 0;
    for (size_t k = 0; k < n; k++)
        for (int j = 0; j < 2; j++)
            if (want[k][j]) {
                if (b->spans[s].ok &&
                    !add_entries(c, b->arrays + s * words, words, NGX_HTTP_MODULE,
                                 j ? CONF_LOC : CONF_SRV))
                    return false;
                s++;
            }
    return true;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

bool nginx_confs_collect(const struct mem_reader *m, const struct nginx_state *st,
                         const uint64_t *at, size_t n, struct nginx_confs *c, char *err,
                         size_t errlen)
{
    uint64_t conf_ctx, p;
    bool ok = mem_read_u64(m, st->cycle, &conf_ctx);
    for (int i = 0; ok && i < c->nmods; i++) {
        const struct ngx_module_ref *mod = &c->mods[i];
        if (mod->type != NGX_CORE_MODULE || !mem_read_u64(m, conf_ctx + 8 * mod->index, &p) || !p)
            continue;
        ok = add(c, p, i, CONF_CORE);
        /* the event modules' confs: an array the events module's points to */
        uint64_t arr;
        if (ok && strcmp(mod->name, "ngx_events_module") == 0 && mem_read_u64(m, p, &arr))
            for (int k = 0; ok && k < c->nmods; k++)
                if (c->mods[k].type == NGX_EVENT_MODULE && c->mods[k].ctx_index < CONF_ARRAY_MAX &&
                    mem_read_u64(m, arr + 8 * c->mods[k].ctx_index, &p))
                    ok = add(c, p, k, CONF_EVENT);
    }
    const struct ngx_module_ref *http = named(c, "ngx_http_module");
    uint64_t main_ctx[3];
    if (ok && http && c->http_main_conf && mem_read_u64(m, conf_ctx + 8 * http->index, &p) &&
        mem_read(m, p, main_ctx, sizeof main_ctx) == 0)
        ok = add_array(m, c, main_ctx[0], NGX_HTTP_MODULE, CONF_MAIN) &&
             add_array(m, c, main_ctx[1], NGX_HTTP_MODULE, CONF_SRV) &&
             add_array(m, c, main_ctx[2], NGX_HTTP_MODULE, CONF_LOC);
    /* each server or location context */
    uint64_t last_srv = 0, words = c->http_max_module + 1;
    /* the arrays' buffer at most 2 MiB, whatever the module count says */
    size_t batch = (size_t)((1 << 20) / (words * 8));
    batch = batch < 1 ? 1 : batch > CTX_BATCH ? CTX_BATCH : batch;
    struct ctx_batch *b = ok && n ? calloc(1, sizeof *b) : NULL;
    if (b)
        b->arrays = calloc(2 * batch * words, 8);
    if (ok && n && (!b || !b->arrays))
        ok = false;
    for (size_t k = 0; ok && k < n; k += batch)
        ok = add_contexts(m, c, b, at + k, n - k < batch ? n - k : batch, &last_srv);
    if (b)
        free(b->arrays);
    free(b);
    if (!ok) {
        snprintf(err, errlen, "out of memory for %zu configurations", c->n);
        return false;
    }
    if (!radix_sort_u64(c->v, c->n))
        qsort(c->v, c->n, sizeof *c->v, by_value);
    size_t w = 0;
    for (size_t k = 0; k < c->n; k++)
        if (!w || conf_addr(c->v[w - 1]) != conf_addr(c->v[k]))
            c->v[w++] = c->v[k];
    c->n = w;
    return true;
}

void nginx_confs_release(struct nginx_confs *c)
{
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}
