/* ngx-pools: every nginx pool in the process, found by walking glibc's
 * in-use chunks for pool headers (each candidate's whole block chain is
 * validated before it counts), then classified. */
#include "commands.h"

#include "format.h"
#include "glibc_session.h"
#include "nginx_pool_census.h"
#include "ngxmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ngx_pools_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    char err[512];
    glibc_session_open(&s, "ngx-pools", args, 0);
    bool json = args_flag(&s.args, "--json");
    args_require_done(&s.args, "ngx-pools");
    struct nginx_state st;
    if (!nginx_state_find(&s.reader, &st, err, sizeof err))
        ngxmem_error("ngx-pools: %s", err);
    static struct named_pool cycles[MAX_OLD_CYCLES + 2];
    int ncycles = nginx_cycle_pools(&s.heap.mem, &st, cycles, MAX_OLD_CYCLES + 2, err,
                                    sizeof err);
    if (ncycles < 0)
        ngxmem_error("ngx-pools: %s", err);

    struct pool_census c;
    if (!nginx_pool_census(&s.heap, &st, cycles, ncycles, &c, err, sizeof err))
        ngxmem_error("ngx-pools: %s", err);
    gdb_reader_done(&s.progress);
    const struct pool_kind_total *t = c.kinds;
    if (json) {
        ngxmem_printf("{\"kinds\":[");
        for (int i = 0; i < PK_COUNT; i++)
            ngxmem_printf("%s{\"kind\":\"%s\",\"pools\":%llu,\"blocks\":%llu,\"bytes\":%llu,"
                          "\"used_bytes\":%llu,\"unused_bytes\":%llu,\"large_count\":%llu,"
                          "\"large_bytes\":%llu,\"evidence\":\"%s\"}", i ? "," : "",
                          pool_kind_names[i], (unsigned long long)t[i].pools,
                          (unsigned long long)t[i].blocks, (unsigned long long)t[i].bytes,
                          (unsigned long long)t[i].used, (unsigned long long)t[i].unused,
                          (unsigned long long)t[i].large, (unsigned long long)t[i].large_bytes,
                          pool_kind_evidence[i]);
        ngxmem_printf("],\"candidates\":%zu,\"rejected\":%zu}\n", c.candidates, c.rejected);
        return;
    }
    char b[4][32];
    uint64_t total = 0, pools = 0;
    ngxmem_printf("%-14s %7s %8s %11s %11s %11s %7s  %s\n", "pool type", "pools", "blocks",
                  "footprint", "used", "unused", "large", "how recognised");
    for (int i = 0; i < PK_COUNT; i++) {
        if (!t[i].pools)
            continue;
        ngxmem_printf("%-14s %7llu %8llu %11s %11s %11s %7llu  %s\n", pool_kind_names[i],
                      (unsigned long long)t[i].pools, (unsigned long long)t[i].blocks,
                      format_bytes(t[i].bytes, b[0], 32), format_bytes(t[i].used, b[1], 32),
                      format_bytes(t[i].unused, b[2], 32), (unsigned long long)t[i].large,
                      pool_kind_evidence[i]);
        total += t[i].bytes;
        pools += t[i].pools;
    }
    ngxmem_printf("%-14s %7llu %8s %11s\n", "total", (unsigned long long)pools, "",
                  format_bytes(total, b[3], 32));
    ngxmem_printf("%zu pool headers found in glibc's in-use chunks, %zu rejected (block chain "
                  "did not validate)\n", c.candidates, c.rejected);
}

static const char pools_help[] =
    "Find every nginx pool in the process and break memory down by pool type.\n"
    "Usage: ngx-pools [--json]\n"
    "Walks glibc's in-use chunks for ngx_pool_t headers, validates each pool's\n"
    "whole block chain, and classifies it: cycle and old cycle by their owner\n"
    "pointers, connection and request pools by their default sizes (stated in\n"
    "the output). A master holds little besides its cycle pool; workers under\n"
    "load add connection and request pools. Example: ngx-pools";

void nginx_pools_register(void)
{
    ngxmem_register_command("ngx-pools", ngx_pools_command, pools_help);
}
