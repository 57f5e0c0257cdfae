/* How many of a shared zone's pages are loaded (in RAM), without
 * touching one that is not: ngx-shm-pages and the report. */
#ifndef NGXMEM_NGINX_ZONE_PAGES_H
#define NGXMEM_NGINX_ZONE_PAGES_H

#include "nginx_shm.h"
#include "shm_residency.h"

struct zone_pages {
    bool backed;                 /* shm.size fits the memory there */
    uint64_t pages, loaded, meta_pages, meta_loaded;
};

/* Every zone of the current cycle into L (a GDB error naming CMD when the
 * list cannot be read), each zone's size checked against the memory
 * there: a size the mapping (live) or the core does not back is not
 * taken (size_ok false, size_why says why). */
void nginx_zones_read(const struct mem_reader *raw, const struct nginx_state *st,
                      struct ngx_zone_list *l, const char *cmd);

/* Count Z's pages (PS bytes each) as SOURCE allows. Not backed: false
 * backed, why in UNBACKED. Returns the method, RES_UNAVAILABLE with WHY
 * when residency is unknown (remote target, no permission). */
enum residency_method zone_pages_count(const struct mem_reader *raw, pid_t pid,
                                       enum residency_source source, const struct ngx_zone *z,
                                       uint64_t ps, struct zone_pages *zp, char *unbacked,
                                       size_t unbacked_len, char *why, size_t whylen);

#endif
