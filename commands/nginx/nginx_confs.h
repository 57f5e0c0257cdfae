/* nginx's modules and the configuration objects each one made: the core
 * modules' (cycle->conf_ctx), the event modules', and the http modules'
 * main, server and location configurations. Server and location contexts
 * (ngx_http_conf_ctx_t: main_conf, srv_conf, loc_conf) are found by
 * content: every one holds the http block's main_conf array, so a walk of
 * the heap collects the places holding that word (http_ctx_finder), and
 * no layout of ngx_http_core_loc_conf_t (which changes between versions
 * and builds) is needed to find every server, location, if and
 * limit_except block. Analysis only. */
#ifndef NGXMEM_NGINX_CONFS_H
#define NGXMEM_NGINX_CONFS_H

#include "glibc_heap.h"
#include "nginx_state.h"

enum { NGX_MODULES_MAX = 512, NGX_MODULE_NAME_MAX = 64 };

/* ngx_module_t.type */
enum {
    NGX_CORE_MODULE = 0x45524F43, NGX_CONF_MODULE = 0x464E4F43, NGX_EVENT_MODULE = 0x544E5645,
    NGX_HTTP_MODULE = 0x50545448, NGX_STREAM_MODULE = 0x4d525453, NGX_MAIL_MODULE = 0x4C49414D,
};

struct ngx_module_ref {
    uint64_t addr, index, ctx_index, type;
    char name[NGX_MODULE_NAME_MAX];  /* an identifier, or "?" when it is none */
};

enum ngx_conf_level { CONF_CORE, CONF_EVENT, CONF_MAIN, CONF_SRV, CONF_LOC };

/* A configuration object as one word: its address (below 2^48), the
 * module (an index into nginx_confs.mods) and the level: sorted as
 * numbers, they are sorted by address. */
static inline uint64_t conf_ref(uint64_t addr, int module, enum ngx_conf_level level)
{
    return addr << 16 | (uint64_t)module << 3 | (uint64_t)level;
}
static inline uint64_t conf_addr(uint64_t ref) { return ref >> 16; }
static inline int conf_module(uint64_t ref) { return (int)((ref >> 3) & 0x1fff); }
static inline int conf_level(uint64_t ref) { return (int)(ref & 7); }

struct nginx_confs {
    struct ngx_module_ref mods[NGX_MODULES_MAX];
    int nmods;
    uint64_t *v;                 /* conf_ref()s, sorted, each address once */
    size_t n, cap;
    uint64_t http_main_conf;     /* the http block's main_conf array; 0: no http */
    uint64_t http_max_module;
    size_t contexts;             /* server and location contexts found */
};

/* The modules (cycle->modules) and the http block's main_conf. False +
 * ERR when the module list cannot be read. */
bool nginx_modules_read(const struct mem_reader *m, const struct nginx_state *st,
                        struct nginx_confs *c, char *err, size_t errlen);

/* A glibc_chunk_fn for the walk: where in-use chunks hold MAIN_CONF. */
struct http_ctx_finder {
    struct glibc_heap *heap;
    uint64_t main_conf;
    uint64_t *at;
    size_t n, cap;
    bool oom;
};
void http_ctx_finder_chunk(void *finder, const struct glibc_chunk *c);
void http_ctx_finder_release(struct http_ctx_finder *f);

/* Every configuration object: the core and event modules', the http
 * block's, and those of each context at AT[0..N) that checks out (its
 * srv_conf and loc_conf arrays readable). False + ERR when memory runs
 * out. Release C in every case. */
bool nginx_confs_collect(const struct mem_reader *m, const struct nginx_state *st,
                         const uint64_t *at, size_t n, struct nginx_confs *c, char *err,
                         size_t errlen);
void nginx_confs_release(struct nginx_confs *c);

#endif
