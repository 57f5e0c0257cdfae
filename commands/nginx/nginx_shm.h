/* nginx shared memory zones (cycle->shared_memory) and their slab pools. */
#ifndef NGXMEM_NGINX_SHM_H
#define NGXMEM_NGINX_SHM_H

#include "inferior_text.h"
#include "nginx_state.h"

/* More zones than any configuration has: a list this long is corrupt,
 * and the zones past it are left out (said: ngx_zone_list.capped). */
enum { NGX_ZONES_MAX = 16384 };

struct ngx_zone {
    struct inferior_text name;
    struct inferior_text owner;  /* module name from the zone's tag */
    uint64_t size, addr, tag, data;
    uint64_t entry;              /* the ngx_shm_zone_t in cycle->shared_memory */
    bool readable;               /* its first page can be read (a core may lack it) */
    bool size_ok;                /* [addr, addr + size) is a user address range
                                  * (and, once checked, memory is there) */
    char size_why[160];          /* why not */
    bool slab_ok;                /* slab pool header checks out */
};

struct ngx_zone_list {
    struct ngx_zone *v;
    int n;
    size_t cap;
    bool capped;                 /* the list had more than NGX_ZONES_MAX */
};

/* Every zone of the current cycle into L (grown as each is read: its
 * size follows what was read, never a count the inferior claims);
 * returns the count or -1 + ERR. Release L in every case. */
int nginx_shm_zones(const struct mem_reader *m, const struct nginx_state *st,
                    struct ngx_zone_list *l, char *err, size_t errlen);
void ngx_zone_list_release(struct ngx_zone_list *l);

enum { SLAB_SLOTS_MAX = 16, SLAB_SIZE_BUCKETS = 40 };

struct slab_slot {
    uint64_t size, pages, total, used;                 /* from the page walk */
    uint64_t stat_total, stat_used, stat_reqs, stat_fails;  /* pool->stats */
};

struct slab_report {
    uint64_t pages, used_pages, free_pages, pfree, pagesize;
    uint64_t used_slabs, free_slabs;                   /* seed semantics */
    uint64_t run_allocs, run_pages;                    /* multi-page allocations */
    uint64_t small_pages, exact_pages, big_pages;
    uint64_t free_runs, free_run_hist[SLAB_SIZE_BUCKETS]; /* runs by log2(pages) */
    uint64_t largest_free_run;                         /* pages */
    uint64_t min_shift;                                /* slots[0] is 2^min_shift bytes */
    uint64_t meta_bytes;                               /* header, slots, stats, descriptors */
    int nslots;
    struct slab_slot slots[SLAB_SLOTS_MAX];
    char inconsistency[200];                           /* first one found, "" if none */
};

/* Classify every page of the slab pool of ZONE (reads metadata and the
 * bitmaps of used small-slot pages only: never a free page). */
bool nginx_slab_report(const struct mem_reader *m, const struct nginx_state *st,
                       const struct ngx_zone *zone, struct slab_report *r, char *err,
                       size_t errlen);

#endif
