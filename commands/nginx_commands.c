/* ngx-cycle-pools: the configuration memory of nginx (cycle pools). */
#include "commands.h"

#include "format.h"
#include "glibc_session.h"
#include "nginx_cycles.h"
#include "ngxmem.h"

#include <stdio.h>

static void print_block_addr(void *arg, uint64_t block, bool large)
{
    int *n = arg;
    if (!large)
        ngxmem_printf("%s%llu", (*n)++ ? "," : "", (unsigned long long)block);
}

static void pool_json(const struct mem_reader *m, const struct named_pool *p)
{
    char err[256];
    const struct nginx_pool_stats *s = &p->st;
    ngxmem_printf("{\"name\":\"%s\",\"cycle\":%llu,\"pool\":%llu,\"blocks\":%llu,"
                  "\"block_bytes\":%llu,\"used_bytes\":%llu,\"unused_bytes\":%llu,"
                  "\"large_count\":%llu,\"large_bytes\":%llu,\"large_records\":%llu,"
                  "\"cleanups\":%llu,\"block_size\":%llu,\"block_addrs\":[",
                  p->name, (unsigned long long)p->cycle, (unsigned long long)p->pool,
                  (unsigned long long)s->blocks, (unsigned long long)s->block_bytes,
                  (unsigned long long)s->used_bytes, (unsigned long long)s->unused_bytes,
                  (unsigned long long)s->large_count, (unsigned long long)s->large_bytes,
                  (unsigned long long)s->large_records, (unsigned long long)s->cleanups,
                  (unsigned long long)s->first_block_size);
    struct nginx_pool_stats again;
    int n = 0;
    nginx_pool_walk(m, p->pool, &again, print_block_addr, &n, err, sizeof err);
    ngxmem_printf("]}");
}

static void pool_row(const struct named_pool *p)
{
    char b[6][32];
    const struct nginx_pool_stats *s = &p->st;
    ngxmem_printf("%-12s 0x%-14llx %8llu %11s %11s %11s %8llu %11s %8llu %11s\n", p->name,
                  (unsigned long long)p->pool, (unsigned long long)s->blocks,
                  format_bytes(s->block_bytes, b[0], 32), format_bytes(s->used_bytes, b[1], 32),
                  format_bytes(s->unused_bytes, b[2], 32), (unsigned long long)s->large_count,
                  format_bytes(s->large_bytes, b[3], 32), (unsigned long long)s->cleanups,
                  format_bytes(s->block_bytes + s->large_bytes, b[4], 32));
}

static void ngx_cycle_pools_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    char err[512];
    glibc_session_begin(&s, "ngx-cycle-pools", args);
    bool json = args_flag(&s.args, "--json");
    args_require_done(&s.args, "ngx-cycle-pools");
    struct nginx_state st;
    if (!nginx_state_find(&s.reader, &st, err, sizeof err))
        ngxmem_error("ngx-cycle-pools: %s", err);

    /* The glibc heap first: its cached reader keeps read-ahead inside heap
     * segments (never into a shared zone), which suits pool blocks; and
     * its in-use total is the share this command reports. */
    bool have_glibc = glibc_session_try_heap(&s, 0, err, sizeof err);
    if (have_glibc)
        glibc_session_walk_stats(&s, "ngx-cycle-pools", -1);
    const struct mem_reader *cached = have_glibc ? &s.heap.mem : &s.reader;
    static struct named_pool pools[MAX_OLD_CYCLES + 2];
    int n = nginx_cycle_pools(cached, &st, pools, MAX_OLD_CYCLES + 2, err, sizeof err);
    if (n < 0)
        ngxmem_error("ngx-cycle-pools: %s", err);

    uint64_t in_use = have_glibc ? s.stats.total.cls[CH_IN_USE].bytes : 0, cfg = 0;
    for (int i = 0; i < n; i++)
        cfg += pools[i].st.block_bytes + pools[i].st.large_bytes;

    char version[TEXT_OUT], signature[TEXT_OUT];
    if (json) {
        ngxmem_printf("{\"nginx\":\"%s\",\"ngx_cycle\":%llu,\"layout\":\"%s\",\"pagesize\":%llu,"
                      "\"cycle\":", text_json(&st.version, version), (unsigned long long)st.cycle,
                      st.L->versions,
                      (unsigned long long)st.pagesize);
        pool_json(cached, &pools[0]);
        ngxmem_printf(",\"old_cycles\":[");
        for (int i = 1; i < n; i++) {
            if (i > 1)
                ngxmem_printf(",");
            pool_json(cached, &pools[i]);
        }
        ngxmem_printf("],\"total_footprint\":%llu,\"glibc_in_use_bytes\":%llu,"
                      "\"signature\":\"%s\",\"compat\":%s,\"layout_check\":\"%s\"}\n",
                      (unsigned long long)cfg, (unsigned long long)in_use,
                      text_json(&st.signature, signature),
                      st.compat < 0 ? "null" : st.compat ? "true" : "false", st.layout_check);
        return;
    }
    char b[3][32];
    ngxmem_printf("nginx %s: ngx_cycle 0x%llx (layout of %s), page size %llu\n",
                  st.version.len ? text_terminal(&st.version, version) : "(version not found)",
                  (unsigned long long)st.cycle, st.L->versions, (unsigned long long)st.pagesize);
    ngxmem_printf("built %s (module signature %s); %s\n",
                  st.compat < 0 ? "with unknown options" : st.compat ? "--with-compat"
                                                                     : "without --with-compat",
                  text_terminal(&st.signature, signature), st.layout_check);
    ngxmem_printf("%-12s %-16s %8s %11s %11s %11s %8s %11s %8s %11s\n", "pool", "address",
                  "blocks", "in blocks", "used", "unused", "large", "large bytes", "cleanups",
                  "footprint");
    for (int i = 0; i < n; i++)
        pool_row(&pools[i]);
    ngxmem_printf("configuration pools: %s", format_bytes(cfg, b[0], 32));
    if (have_glibc)
        ngxmem_printf(" = %.1f%% of the %s the glibc heap has in use\n",
                      in_use ? 100.0 * (double)cfg / (double)in_use : 0.0,
                      format_bytes(in_use, b[1], 32));
    else
        ngxmem_printf(" (glibc heap not analysed: %s)\n", err);
}

static const char cycle_pools_help[] =
    "Show nginx's configuration memory: the cycle pool and any old cycles' pools.\n"
    "Usage: ngx-cycle-pools [--json]\n"
    "Per pool: blocks (16 KiB each for a cycle), bytes in blocks, used and unused\n"
    "bytes (header sizes counted right), large allocations with the glibc chunk\n"
    "sizes they occupy, cleanups, and the share of the glibc heap in use. A big\n"
    "cycle pool is the price of a big nginx.conf (thousands of server blocks):\n"
    "each HUP reload builds a second one before freeing the first, which is what\n"
    "fragments the master's heap (see ngx-heap-map and glibc-free-chunks).\n"
    "The easy way: keep pool blocks out of the brk heap, e.g. start nginx with\n"
    "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16000 so each 16 KiB block is its\n"
    "own mapping, returned when the old cycle is freed (measured: 2000 vhosts,\n"
    "RSS growth after a HUP 143 MB -> 86 MB; mind vm.max_map_count). The better\n"
    "way: per-host settings loaded dynamically (e.g. from Lua) instead of\n"
    "thousands of server blocks, so the cycle stays small and reloads are rare.\n"
    "Example: ngx-cycle-pools --json";

void nginx_commands_register(void)
{
    ngxmem_register_command("ngx-cycle-pools", ngx_cycle_pools_command, cycle_pools_help);
}
