/* ngx-pools: every nginx pool in the process, found by walking glibc's
 * in-use chunks for pool headers (each candidate's whole block chain is
 * validated before it counts), then classified. */
#include "commands.h"

#include "format.h"
#include "glibc_session.h"
#include "grow_array.h"
#include "nginx_cycles.h"
#include "ngxmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { POOL_HEADER = 80 };

struct candidates {
    struct glibc_heap *heap;
    uint64_t pagesize;
    uint64_t *v;
    size_t n, cap;
    bool oom;
};

/* A first pool block: d.end = U + size, U+80 <= d.last <= d.end, and
 * max = min(size - 80, pagesize - 1), set by ngx_create_pool. */
static void find_pool_header(void *arg, const struct glibc_chunk *c)
{
    struct candidates *k = arg;
    if (c->cls != CH_IN_USE || c->size < 16 + POOL_HEADER)
        return;
    uint64_t u = c->addr + 16, h[5];
    if (mem_read(&k->heap->mem, u, h, sizeof h) != 0)
        return;
    uint64_t last = h[0], end = h[1], max = h[4], size = end - u;
    uint64_t want_max = size - POOL_HEADER < k->pagesize - 1 ? size - POOL_HEADER
                                                             : k->pagesize - 1;
    if (end <= u || size > c->size - 8 || size < POOL_HEADER || last < u + POOL_HEADER ||
        last > end || max != want_max)
        return;
    if (!grow_array(&k->v, &k->cap, k->n, sizeof *k->v, 256)) {
        k->oom = true;
        return;
    }
    k->v[k->n++] = u;
}

enum pool_kind { PK_CYCLE, PK_OLD_CYCLE, PK_CONNECTION, PK_REQUEST, PK_CYCLE_SIZED, PK_OTHER,
                 PK_COUNT };
static const char *const kind_names[PK_COUNT] = {
    "cycle", "old cycle", "connection", "request", "other 16 KiB", "other",
};
static const char *const kind_evidence[PK_COUNT] = {
    "ngx_cycle->pool",
    "cycle->old_cycle / ngx_old_cycles",
    "size = connection_pool_size default (256 or 512 B)",
    "size = request_pool_size default (4 KiB)",
    "NGX_CYCLE_POOL_SIZE but no cycle owns it (e.g. a configuration temp pool)",
    "any other size",
};

struct kind_total {
    uint64_t pools, blocks, bytes, used, unused, large, large_bytes;
};

static enum pool_kind classify(uint64_t u, uint64_t size, const struct named_pool *cycles,
                               int ncycles)
{
    for (int i = 0; i < ncycles; i++)
        if (cycles[i].pool == u)
            return i == 0 ? PK_CYCLE : PK_OLD_CYCLE;
    if (size == 256 || size == 512)
        return PK_CONNECTION;
    if (size == 4096)
        return PK_REQUEST;
    return size == NGX_CYCLE_POOL_SIZE ? PK_CYCLE_SIZED : PK_OTHER;
}

static void free_candidates(struct candidates *k)
{
    free(k->v);
    k->v = NULL;
}

static void ngx_pools_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    struct candidates k __attribute__((cleanup(free_candidates))) = { 0 };
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

    k.heap = &s.heap;
    k.pagesize = st.pagesize;
    if (!glibc_heap_walk(&s.heap, -1, find_pool_header, &k, err, sizeof err))
        ngxmem_error("ngx-pools: %s", err);
    gdb_reader_done(&s.progress);
    if (k.oom)
        ngxmem_error("ngx-pools: out of memory");

    struct kind_total t[PK_COUNT] = { 0 };
    size_t rejected = 0;
    for (size_t i = 0; i < k.n; i++) {
        struct nginx_pool_stats ps;
        if (!nginx_pool_walk(&s.heap.mem, k.v[i], &ps, NULL, NULL, err, sizeof err)) {
            rejected++;
            continue;
        }
        struct kind_total *kt = &t[classify(k.v[i], ps.first_block_size, cycles, ncycles)];
        kt->pools++;
        kt->blocks += ps.blocks;
        kt->bytes += ps.block_bytes + ps.large_bytes;
        kt->used += ps.used_bytes;
        kt->unused += ps.unused_bytes;
        kt->large += ps.large_count;
        kt->large_bytes += ps.large_bytes;
        if ((i & 1023) == 1023)
            ngxmem_check_quit();
    }
    if (json) {
        ngxmem_printf("{\"kinds\":[");
        for (int i = 0; i < PK_COUNT; i++)
            ngxmem_printf("%s{\"kind\":\"%s\",\"pools\":%llu,\"blocks\":%llu,\"bytes\":%llu,"
                          "\"used_bytes\":%llu,\"unused_bytes\":%llu,\"large_count\":%llu,"
                          "\"large_bytes\":%llu,\"evidence\":\"%s\"}", i ? "," : "",
                          kind_names[i], (unsigned long long)t[i].pools,
                          (unsigned long long)t[i].blocks, (unsigned long long)t[i].bytes,
                          (unsigned long long)t[i].used, (unsigned long long)t[i].unused,
                          (unsigned long long)t[i].large, (unsigned long long)t[i].large_bytes,
                          kind_evidence[i]);
        ngxmem_printf("],\"candidates\":%zu,\"rejected\":%zu}\n", k.n, rejected);
        return;
    }
    char b[4][32];
    uint64_t total = 0, pools = 0;
    ngxmem_printf("%-14s %7s %8s %11s %11s %11s %7s  %s\n", "pool type", "pools", "blocks",
                  "footprint", "used", "unused", "large", "how recognised");
    for (int i = 0; i < PK_COUNT; i++) {
        if (!t[i].pools)
            continue;
        ngxmem_printf("%-14s %7llu %8llu %11s %11s %11s %7llu  %s\n", kind_names[i],
                      (unsigned long long)t[i].pools, (unsigned long long)t[i].blocks,
                      format_bytes(t[i].bytes, b[0], 32), format_bytes(t[i].used, b[1], 32),
                      format_bytes(t[i].unused, b[2], 32), (unsigned long long)t[i].large,
                      kind_evidence[i]);
        total += t[i].bytes;
        pools += t[i].pools;
    }
    ngxmem_printf("%-14s %7llu %8s %11s\n", "total", (unsigned long long)pools, "",
                  format_bytes(total, b[3], 32));
    ngxmem_printf("%zu pool headers found in glibc's in-use chunks, %zu rejected (block chain "
                  "did not validate)\n", k.n, rejected);
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
