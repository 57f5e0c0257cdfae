/* A reader of a shared zone that reads each used page once: entries lie
 * packed in the slab allocator's used pages, so a walk's small reads are
 * served from a page-sized window; windows never leave a used page (a
 * free page of a zone not in RAM would be loaded by reading it, the
 * observer effect zone commands must not have), and everything else --
 * free pages, memory outside the zone -- is read exactly. */
#ifndef NGXMEM_ZONE_PAGE_CACHE_H
#define NGXMEM_ZONE_PAGE_CACHE_H

#include "block_cache.h"
#include "nginx_shm.h"

struct zone_page_cache {
    const struct mem_reader *m;
    uint64_t desc, start, n, pagesize;   /* the page descriptors, the first page, their count */
    struct block_cache cache;
    bool cached;
    struct mem_reader via;       /* read through this */
};

/* Over M (exact reads) for ZONE as SR found it; VIA is M itself when no
 * cache can be made. Release with zone_page_cache_end. */
void zone_page_cache_begin(struct zone_page_cache *c, const struct mem_reader *m,
                           const struct ngx_zone *zone, const struct slab_report *sr);
void zone_page_cache_end(struct zone_page_cache *c);

#endif
