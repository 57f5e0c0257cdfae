/* Finding nginx in the inferior: ngx_cycle, its version, page size, and
 * the ngx_cycle_t layout, picked by self-checks (notes §5), never assumed. */
#ifndef NGXMEM_NGINX_STATE_H
#define NGXMEM_NGINX_STATE_H

#include "inferior_text.h"
#include "mem_reader.h"

#include <stddef.h>

struct nginx_cycle_layout {
    const char *versions;        /* which nginx versions use it */
    uint32_t shared_memory, old_cycle, size_of;
    uint32_t slab_addr;          /* ngx_slab_pool_t.addr: 192 (>= 1.11.7), 176 */
    uint32_t modules;            /* ngx_cycle_t.modules (then modules_n) */
};

struct nginx_state {
    uint64_t cycle;              /* value of ngx_cycle */
    uint64_t old_cycles;         /* &ngx_old_cycles (ngx_array_t), 0 if absent */
    uint64_t pagesize;
    int process;                 /* ngx_process (NGX_PROCESS_*), -1 unknown */
    struct inferior_text version;    /* "1.22.1", empty if not found */
    struct inferior_text signature;  /* ngx_core_module.signature */
    int compat;                  /* --with-compat: 1, 0, or -1 unknown */
    const struct nginx_cycle_layout *L;   /* points to layout */
    struct nginx_cycle_layout layout;     /* the table's row, or DWARF's */
    uint32_t shm_zone_size;      /* 88 (>= 1.13.9) or 80 */
    char layout_check[256];      /* offsets from nginx's DWARF vs the table */
    bool debug_info;             /* GDB has nginx's types (that check could run) */
    bool zones_unproven;         /* no zone's memory confirmed the layout */
};

/* ngx_process's values (os/unix/ngx_process_cycle.h) */
enum { NGX_PROCESS_SINGLE, NGX_PROCESS_MASTER, NGX_PROCESS_SIGNALLER, NGX_PROCESS_WORKER,
       NGX_PROCESS_HELPER };

enum {
    NGX_POOL_OFF = 8,            /* ngx_cycle_t.pool, every version */
    NGX_CYCLE_POOL_SIZE = 16384,
    /* ngx_slab_pool_t, nginx >= 1.11.7 (notes §3.3) */
    NGX_SP_MIN_SHIFT = 24, NGX_SP_PAGES = 32, NGX_SP_LAST = 40, NGX_SP_FREE = 48,
    NGX_SP_STATS = 72, NGX_SP_PFREE = 80, NGX_SP_START = 88, NGX_SP_END = 96,
    NGX_SP_SIZE = 200,
    /* ngx_shm_zone_t: data, then shm {addr, size, name, ...}, tag at 64 */
    NGX_ZONE_ADDR = 8, NGX_ZONE_SIZE = 16, NGX_ZONE_TAG = 64,
};

/* M must read exactly what is asked (no read-ahead cache): the layout
 * checks read zone headers, and reading untouched shared pages loads them. */
bool nginx_state_find(const struct mem_reader *m, struct nginx_state *st, char *err,
                      size_t errlen);

#endif
