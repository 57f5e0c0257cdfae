/* ngx-cycle-pools: the configuration memory of nginx (cycle pools). */
#include "commands.h"

#include "command_output.h"
#include "glibc_session.h"
#include "nginx_cycles.h"
#include "nginx_describe.h"
#include "ngxmem.h"

static const struct column pool_columns[] = {
    { "index", "#", VAL_INT, 0, IN_BOTH },
    { "kind", "pool", VAL_ID, 0, IN_BOTH },
    { "address", "address", VAL_ADDRESS, 1, IN_BOTH },
    { "cycle", "cycle", VAL_ADDRESS, 0, JSON_ONLY },
    { "block_count", "blocks", VAL_COUNT, 0, IN_BOTH },
    { "block_bytes", "in blocks", VAL_BYTES, 0, IN_BOTH },
    { "used_bytes", "used", VAL_BYTES, 3, IN_BOTH },
    { "unused_bytes", "unused", VAL_BYTES, 4, IN_BOTH },
    { "large_count", "large", VAL_COUNT, 5, IN_BOTH },
    { "large_bytes", "large bytes", VAL_BYTES, 0, IN_BOTH },
    { "large_record_count", "records", VAL_COUNT, 0, JSON_ONLY },
    { "cleanup_count", "cleanups", VAL_COUNT, 2, IN_BOTH },
    { "first_block_bytes", "first block", VAL_BYTES, 0, JSON_ONLY },
    { "footprint_bytes", "footprint", VAL_BYTES, 0, IN_BOTH },
};

static const struct column block_columns[] = {
    { "pool", "pool", VAL_INT, 0, IN_BOTH },
    { "address", "block", VAL_ADDRESS, 0, IN_BOTH },
};

struct block_listing {
    struct result *r;
    int pool;
};

static void list_block(void *arg, uint64_t block, bool large)
{
    struct block_listing *l = arg;
    if (!large) {
        struct value row[] = { val_int(l->pool), val_address(block) };
        result_row(l->r, row);
    }
}

/* A figure that needs the allocator's chunk sizes: unknown without them */
static struct value sized(const struct nginx_pool_stats *s, uint64_t bytes)
{
    return s->chunk_sizes_known ? val_bytes(bytes) : val_none();
}

/* LIST_BLOCKS: the table of every block (JSON and --verbose only: it is a
 * second walk of every pool's chain) */
static void cycle_pools_result(const struct mem_reader *m, const struct named_pool *pools,
                               int n, bool list_blocks, struct result *r)
{
    result_table(r, "pools", NULL, pool_columns, ARRAY_LEN(pool_columns));
    for (int i = 0; i < n; i++) {
        const struct nginx_pool_stats *s = &pools[i].st;
        struct value row[] = {
            val_int(i), val_id(i ? "old_cycle" : "cycle"), val_address(pools[i].pool),
            val_address(pools[i].cycle), val_count(s->blocks), val_bytes(s->block_bytes),
            val_bytes(s->used_bytes), val_bytes(s->unused_bytes), val_count(s->large_count),
            sized(s, s->large_bytes), val_count(s->large_records), val_count(s->cleanups),
            val_bytes(s->first_block_size), sized(s, s->block_bytes + s->large_bytes),
        };
        result_row(r, row);
    }
    /* every block's address: the truth tests compare them with nginx's
     * debug_alloc log; text shows them with --verbose */
    if (!list_blocks)
        return;
    result_table(r, "pool_blocks", "Pool blocks:", block_columns, ARRAY_LEN(block_columns))
        ->verbose = true;
    char err[256];
    for (int i = 0; i < n; i++) {
        struct nginx_pool_stats again;
        struct block_listing l = { r, i };
        nginx_pool_walk(m, pools[i].pool, pools[i].st.chunk_sizes_known, &again, list_block,
                        &l, err, sizeof err);
    }
}

static const struct command_def cycle_pools_def = {
    "ngx-cycle-pools",
    "Show nginx's configuration memory: the cycle pool and any old cycles' pools.", NULL, 0, 0,
    NULL, 0, COMMON_OUTPUT,
    "Per pool: blocks (16 KiB each for a cycle), bytes in blocks, used and unused\n"
    "bytes (header sizes counted right), large allocations with the glibc chunk\n"
    "sizes they occupy, cleanups, and the share of the glibc heap in use (with\n"
    "another malloc, e.g. jemalloc, the large allocations' sizes are unknown: the\n"
    "blocks are given alone). A big cycle pool is the price of a big nginx.conf\n"
    "(thousands of server blocks): each HUP reload builds a second one before\n"
    "freeing the first, which is what fragments the master's heap (see ngx-heap-map\n"
    "and glibc-free-chunks). ngx-report predicts the next reload's heap growth for\n"
    "this process, and with GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16384 (each\n"
    "16 KiB block its own mapping, returned when the old cycle is freed; mind\n"
    "vm.max_map_count). The better way: per-host settings loaded dynamically (e.g.\n"
    "from Lua) instead of thousands of server blocks, so the cycle stays small and\n"
    "reloads are rare.\n",
    "Example: ngx-cycle-pools --json",
};

static void ngx_cycle_pools_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    RESULT(r);
    char err[512];
    if (!glibc_session_begin(&s, &cycle_pools_def, args))
        return;
    struct output_options o = output_options(&s.opts);
    struct nginx_state st;
    if (!nginx_state_find(&s.reader, &st, err, sizeof err))
        ngxmem_error("ngx-cycle-pools: %s", err);

    /* The glibc heap's in-use total is the share this command reports.
     * Pool chains are read a page at a time: a cycle's blocks are 16 KiB
     * apart, and a wider window would read whole blocks. */
    bool have_glibc = glibc_session_try_heap(&s, 0, err, sizeof err);
    if (have_glibc)
        glibc_session_walk_stats(&s, "ngx-cycle-pools", -1);
    static struct named_pool pools[MAX_OLD_CYCLES + 2];
    const struct mem_reader *chains = have_glibc ? &s.heap.headers : &s.reader;
    char pools_err[256];
    int n = nginx_cycle_pools(chains, &st, have_glibc, pools, MAX_OLD_CYCLES + 2, pools_err,
                              sizeof pools_err);
    if (n < 0)
        ngxmem_error("ngx-cycle-pools: %s", pools_err);

    /* large allocations may be mmapped chunks, outside the heap: the share's
     * whole counts those too (mp_), so both sides count the same memory */
    bool mmapped_known = have_glibc && s.heap.st.mp;
    uint64_t in_use = have_glibc ? s.stats.total.cls[CH_IN_USE].bytes : 0;
    struct nginx_pool_stats sum;
    nginx_cycle_pools_sum(pools, n, &sum);
    uint64_t cfg_blocks = sum.block_bytes, cfg = sum.block_bytes + sum.large_bytes;
    uint64_t cfg_mmapped = sum.mmapped_bytes;
    uint64_t whole = in_use + (mmapped_known ? s.heap.st.mmapped_mem : 0);
    uint64_t part = mmapped_known ? cfg : cfg - cfg_mmapped;

    result_init(&r, "ngx-cycle-pools");
    nginx_describe(&st, &r);
    cycle_pools_result(chains, pools, n, o.json || o.verbose, &r);
    result_facts(&r, NULL, NULL);
    if (have_glibc)
        result_fact(&r, "configuration_bytes", "configuration pools", val_bytes(cfg), NULL);
    else
        result_fact(&r, "configuration_bytes", "configuration pools", val_none(),
                    "the large allocations' sizes are the allocator's, not in the pools");
    result_fact(&r, "configuration_block_bytes", "of which blocks", val_bytes(cfg_blocks), NULL);
    if (have_glibc) {
        result_fact(&r, "glibc_in_use_bytes", "glibc memory in use", val_bytes(whole),
                    mmapped_known ? "heap chunks and mmapped chunks" : "heap chunks (mp_ not "
                    "found: mmapped chunks unknown)");
        result_fact(&r, "configuration_percent", "configuration share", val_percent(part, whole),
                    mmapped_known ? "of glibc's memory in use"
                                  : "of the heap in use, mmapped large allocations left out");
    } else {
        result_fact(&r, "glibc_in_use_bytes", "glibc heap in use", val_none(), NULL);
        result_warning(&r, "glibc heap not analysed: %s", err);
    }
    command_emit(&r, &o);
}

void nginx_commands_register(void)
{
    command_register(&cycle_pools_def, ngx_cycle_pools_command);
}
