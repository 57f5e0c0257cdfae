/* Finding nginx in the inferior: ngx_cycle, its version, page size, and
 * the ngx_cycle_t layout, picked by self-checks (notes §5), never assumed. */
#ifndef NGXMEM_NGINX_STATE_H
#define NGXMEM_NGINX_STATE_H

#include "mem_reader.h"

#include <stddef.h>

struct nginx_cycle_layout {
    const char *versions;        /* which nginx versions use it */
    uint32_t shared_memory, old_cycle, size_of;
    uint32_t slab_addr;          /* ngx_slab_pool_t.addr: 192 (>= 1.11.7), 176 */
};

struct nginx_state {
    uint64_t cycle;              /* value of ngx_cycle */
    uint64_t old_cycles;         /* &ngx_old_cycles (ngx_array_t), 0 if absent */
    uint64_t pagesize;
    char version[32];            /* "1.22.1", "" if not found */
    char signature[64];          /* ngx_core_module.signature */
    int compat;                  /* --with-compat: 1, 0, or -1 unknown */
    const struct nginx_cycle_layout *L;
    uint32_t shm_zone_size;      /* 88 (>= 1.13.9) or 80 */
    char layout_check[160];      /* offsets from nginx's DWARF vs the table */
};

enum {
    NGX_POOL_OFF = 8,            /* ngx_cycle_t.pool, every version */
    NGX_CYCLE_POOL_SIZE = 16384,
};

/* M must read exactly what is asked (no read-ahead cache): the layout
 * checks read zone headers, and reading untouched shared pages loads them. */
bool nginx_state_find(const struct mem_reader *m, struct nginx_state *st, char *err,
                      size_t errlen);

#endif
