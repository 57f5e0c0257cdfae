#include "nginx_run.h"

#include "lua_alloc.h"
#include "lua_gc.h"
#include "lua_gc_path.h"
#include "nginx_pool.h"
#include "nginx_pool_census.h"
#include "nginx_shdict.h"
#include "zone_entries.h"
#include "nginx_shm.h"
#include "nginx_state.h"
#include "owner_roots.h"

#include <stdlib.h>
#include <string.h>

static void index_chunk(void *ix, const struct glibc_chunk *c)
{
    heap_index_add(ix, c->addr, c->size, c->cls == CH_IN_USE);
}

struct pools {
    struct pool_container v[4096];
    size_t n;
};

static void pool_chunk(void *arg, enum pool_kind kind, uint64_t chunk, uint64_t size, bool large)
{
    (void)size;
    struct pools *p = arg;
    if (p->n < 4096)
        p->v[p->n++] = (struct pool_container){ chunk, (uint8_t)kind, large };
}

static void count_ref(void *arg, uint64_t at, int64_t chunk, int cls)
{
    (void)at, (void)chunk, (void)cls;
    ++*(int *)arg;
}

/* Who owns the heap: the chunk index, the configurations and the pools
 * of one walk, then every root followed (no mappings: an image has no
 * loaded objects or stacks) and what points at the first chunk. */
static int run_owners(const struct mem_reader *m, struct glibc_heap *h,
                      const struct nginx_state *st, const struct named_pool *cycles, int ncycles)
{
    static struct nginx_confs confs;
    static struct pools pools;
    struct heap_index ix = { 0 };
    struct http_ctx_finder f = { 0 };
    struct pool_census_walk k;
    struct pool_census census;
    struct owner_graph g;
    char err[512];
    int ok = 0, refs = 0;
    memset(&confs, 0, sizeof confs);
    pools.n = 0;
    for (int i = 0; i < h->nsegments; i++)
        heap_index_region(&ix, h->segments[i].start, h->segments[i].end);
    pool_census_begin(&k, h, st);
    pool_census_follow(&k, pool_chunk, &pools);
    struct chunk_fanout fan = { 0 };
    chunk_fanout_add(&fan, index_chunk, &ix);
    chunk_fanout_add(&fan, pool_census_chunk, &k);
    if (nginx_modules_read(m, st, &confs, err, sizeof err) && confs.http_main_conf) {
        f.heap = h;
        f.main_conf = confs.http_main_conf;
        chunk_fanout_add(&fan, http_ctx_finder_chunk, &f);
    }
    if (heap_index_begin(&ix) && glibc_heap_walk(h, -1, chunk_fanout_chunk, &fan, err, sizeof err) &&
        pool_census_finish(&k, cycles, ncycles, &census, err, sizeof err) &&
        heap_index_finish(&ix) && nginx_confs_collect(m, st, f.at, f.n, &confs, err, sizeof err) &&
        owner_graph_begin(&g, m, &ix, NULL)) {
        struct mem_mappings none = { NULL, 0 };
        struct owner_inputs in = { .maps = &none, .pools = pools.v, .npools = pools.n,
                                   .confs = &confs };
        ok = owner_roots_run(&g, &in, NULL, NULL, err, sizeof err);
        uint64_t start, size;
        if (ok && heap_index_chunk(&ix, 0, &start, &size))
            owner_graph_refs(&g, start + 16, start + size, count_ref, &refs, err, sizeof err);
        owner_graph_release(&g);
    }
    pool_census_release(&k);
    http_ctx_finder_release(&f);
    nginx_confs_release(&confs);
    heap_index_free(&ix);
    return ok;
}

/* VM's GC objects and their paths */
static int run_lua(const struct mem_reader *m, const struct nginx_lua_vm *vm)
{
    static struct lua_gc_census gc;
    static char paths[LUA_GC_TOP][LUA_GC_PATH];
    uint64_t targets[LUA_GC_TOP];
    struct lua_gc_path_search search;
    char err[512];
    static struct lua_alloc_stats alloc;
    int ok = vm->allocd ? lua_alloc_walk(m, vm, &alloc, err, sizeof err) : 0;
    if (!lua_gc_census(m, vm, 10, &gc, err, sizeof err))
        return ok;
    for (int i = 0; i < gc.ntop; i++)
        targets[i] = gc.top[i].address;
    return ok + 1 + lua_gc_paths(m, vm, targets, gc.ntop, paths, &search, err, sizeof err);
}

/* A made-up VM and nothing around it (glibc-unit's seeds, one a layout):
 * its main thread named by the symbol lua_State */
static int run_lua_alone(const struct mem_reader *m)
{
    struct nginx_lua_vm vm = { 0 };
    uint64_t state;
    char err[512];
    return mem_symbol(m, "lua_State", &state) &&
                   nginx_lua_vm_at(m, state, &vm, err, sizeof err)
               ? run_lua(m, &vm)
               : 0;
}

int nginx_run_all(const struct mem_reader *m)
{
    static struct shdict_report dict;
    struct nginx_state st;
    char err[512];
    int ok = 0;
    if (!nginx_state_find(m, &st, err, sizeof err))
        return run_lua_alone(m);
    ok++;
    uint64_t pool;
    struct nginx_pool_stats ps;
    if (mem_read_u64(m, st.cycle + NGX_POOL_OFF, &pool) &&
        nginx_pool_walk(m, pool, true, &ps, NULL, NULL, err, sizeof err))
        ok++;
    static struct named_pool cycles[8];
    int ncycles = nginx_cycle_pools(m, &st, true, cycles, 8, err, sizeof err);
    struct glibc_heap h;
    if (ncycles > 0) {
        struct pool_census census;
        if (glibc_heap_open(&h, m, 0, err, sizeof err)) {
            ok += nginx_pool_census(&h, &st, cycles, ncycles, &census, err, sizeof err);
            ok += run_owners(m, &h, &st, cycles, ncycles);
        }
        glibc_heap_close(&h);    /* frees what a failed open took too */
    }
    struct ngx_zone_list zones = { 0 };
    int n = nginx_shm_zones(m, &st, &zones, err, sizeof err);
    for (int i = 0; i < n; i++) {
        struct slab_report slabs;
        ok += nginx_slab_report(m, &st, &zones.v[i], &slabs, err, sizeof err);
        ok += nginx_shdict_report(m, &zones.v[i], 0, 10, NULL, NULL, &dict, err, sizeof err);
        /* each module's reader, on whatever the zone holds */
        static struct zone_reading reading;
        struct zone_clock clock;
        zone_clock_read(m, false, &clock);
        ok += zone_entries_read_stable(m, &st, &zones.v[i], &clock, 10, &reading, err,
                                       sizeof err) > 0;
    }
    ngx_zone_list_release(&zones);
    /* the Lua VM, its GC's objects, their paths */
    struct nginx_lua_vm vm;
    if (nginx_lua_vm(m, &st, &vm, err, sizeof err))
        ok += 1 + run_lua(m, &vm);
    return ok;
}
