#include "nginx_run.h"

#include "nginx_pool.h"
#include "nginx_pool_census.h"
#include "nginx_shdict.h"
#include "nginx_shm.h"
#include "nginx_state.h"

int nginx_run_all(const struct mem_reader *m)
{
    static struct shdict_report dict;
    struct nginx_state st;
    char err[512];
    int ok = 0;
    if (!nginx_state_find(m, &st, err, sizeof err))
        return 0;
    ok++;
    uint64_t pool;
    struct nginx_pool_stats ps;
    if (mem_read_u64(m, st.cycle + NGX_POOL_OFF, &pool) &&
        nginx_pool_walk(m, pool, &ps, NULL, NULL, err, sizeof err))
        ok++;
    static struct named_pool cycles[8];
    int ncycles = nginx_cycle_pools(m, &st, cycles, 8, err, sizeof err);
    struct glibc_heap h;
    if (ncycles > 0) {
        struct pool_census census;
        if (glibc_heap_open(&h, m, 0, err, sizeof err))
            ok += nginx_pool_census(&h, &st, cycles, ncycles, &census, err, sizeof err);
        glibc_heap_close(&h);    /* frees what a failed open took too */
    }
    struct ngx_zone_list zones = { 0 };
    int n = nginx_shm_zones(m, &st, &zones, err, sizeof err);
    for (int i = 0; i < n; i++) {
        struct slab_report slabs;
        ok += nginx_slab_report(m, &st, &zones.v[i], &slabs, err, sizeof err);
        ok += nginx_shdict_report(m, &zones.v[i], 0, 10, &dict, err, sizeof err);
    }
    ngx_zone_list_release(&zones);
    return ok;
}
