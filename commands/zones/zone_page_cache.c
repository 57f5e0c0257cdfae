#include "zone_page_cache.h"

#include "nginx_state.h"

static bool used_page_bounds(void *arg, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    struct zone_page_cache *c = arg;
    uint64_t d[3];
    if (addr < c->start || (addr - c->start) / c->pagesize >= c->n)
        return false;
    uint64_t i = (addr - c->start) / c->pagesize;
    if (mem_read(c->m, c->desc + 24 * i, d, sizeof d) != 0)
        return false;
    /* a slot page (its type in prev's low bits), or a page of a run in use */
    bool used = (d[2] & 3) != 0 || (d[0] >> 63) != 0;
    *lo = c->start + i * c->pagesize;
    *hi = *lo + c->pagesize;
    return used;
}

void zone_page_cache_begin(struct zone_page_cache *c, const struct mem_reader *m,
                           const struct ngx_zone *zone, const struct slab_report *sr)
{
    c->m = m;
    c->n = sr->pages;
    c->pagesize = sr->pagesize;
    c->via = *m;
    c->cached = sr->pagesize >= 4096 && mem_read_u64(m, zone->addr + NGX_SP_PAGES, &c->desc) &&
                mem_read_u64(m, zone->addr + NGX_SP_START, &c->start) &&
                block_cache_init(&c->cache, m);
    if (!c->cached)
        return;
    block_cache_set_window(&c->cache, sr->pagesize);
    c->cache.bounds = used_page_bounds;
    c->cache.bounds_arg = c;
    c->via = block_cache_reader(&c->cache);
}

void zone_page_cache_end(struct zone_page_cache *c)
{
    if (c->cached)
        block_cache_free(&c->cache);
    c->cached = false;
}
