#include "nginx_cycles.h"

#include <stdio.h>
#include <string.h>

/* cycle->old_cycle and ngx_old_cycles may name the same cycle */
static void add_cycle(uint64_t *cycles, int *n, uint64_t c)
{
    for (int i = 0; i < *n; i++)
        if (cycles[i] == c)
            return;
    cycles[(*n)++] = c;
}

/* The cycle and old cycles (single-process mode keeps them until their
 * connections close; a master frees the old cycle right after a reload). */
int nginx_cycle_pool_addresses(const struct mem_reader *m, const struct nginx_state *st,
                               struct named_pool *pools, int max, char *err, size_t errlen)
{
    int n = 0;
    uint64_t cycles[MAX_OLD_CYCLES + 2];
    cycles[n++] = st->cycle;
    uint64_t old, elts, nelts;
    if (mem_read_u64(m, st->cycle + st->L->old_cycle, &old) && old)
        add_cycle(cycles, &n, old);
    if (st->old_cycles && mem_read_u64(m, st->old_cycles, &elts) &&
        mem_read_u64(m, st->old_cycles + 8, &nelts))
        for (uint64_t i = 0; i < nelts && n < MAX_OLD_CYCLES + 1; i++) {
            uint64_t c;
            if (mem_read_u64(m, elts + 8 * i, &c) && c)
                add_cycle(cycles, &n, c);
        }
    int out = 0;
    for (int i = 0; i < n && out < max; i++) {
        struct named_pool *p = &pools[out];
        memset(p, 0, sizeof *p);
        if (i == 0)
            snprintf(p->name, sizeof p->name, "cycle");
        else
            snprintf(p->name, sizeof p->name, "old cycle %d", i - 1);
        p->cycle = cycles[i];
        if (!mem_read_u64(m, cycles[i] + NGX_POOL_OFF, &p->pool)) {
            snprintf(err, errlen, "cannot read the pool of the %s at 0x%llx", p->name,
                     (unsigned long long)cycles[i]);
            return -1;
        }
        out++;
    }
    return out;
}

int nginx_cycle_pools(const struct mem_reader *m, const struct nginx_state *st,
                      bool glibc_chunks, struct named_pool *pools, int max, char *err,
                      size_t errlen)
{
    int n = nginx_cycle_pool_addresses(m, st, pools, max, err, errlen);
    for (int i = 0; i < n; i++)
        if (!nginx_pool_walk(m, pools[i].pool, glibc_chunks, &pools[i].st, NULL, NULL, err,
                             errlen))
            return -1;
    return n;
}

void nginx_cycle_pools_sum(const struct named_pool *pools, int n, struct nginx_pool_stats *sum)
{
    *sum = (struct nginx_pool_stats){ 0 };
    for (int i = 0; i < n; i++) {
        const struct nginx_pool_stats *p = &pools[i].st;
        sum->blocks += p->blocks;
        sum->block_bytes += p->block_bytes;
        sum->used_bytes += p->used_bytes;
        sum->unused_bytes += p->unused_bytes;
        sum->large_count += p->large_count;
        sum->large_bytes += p->large_bytes;
        sum->large_records += p->large_records;
        sum->cleanups += p->cleanups;
        sum->mmapped_bytes += p->mmapped_bytes;
    }
}
