/* ngx-pools: every nginx pool in the process, found by walking glibc's
 * in-use chunks for pool headers (each candidate's whole block chain is
 * validated before it counts), then classified. */
#include "commands.h"

#include "command_output.h"
#include "glibc_session.h"
#include "nginx_describe.h"
#include "nginx_pool_census.h"
#include "ngxmem.h"

static const struct column kind_columns[] = {
    { "kind", "pool type", VAL_ID, 0, IN_BOTH },
    { "pool_count", "pools", VAL_COUNT, 0, IN_BOTH },
    { "block_count", "blocks", VAL_COUNT, 2, IN_BOTH },
    { "footprint_bytes", "footprint", VAL_BYTES, 0, IN_BOTH },
    { "used_bytes", "used", VAL_BYTES, 3, IN_BOTH },
    { "unused_bytes", "unused", VAL_BYTES, 4, IN_BOTH },
    { "large_count", "large", VAL_COUNT, 5, IN_BOTH },
    { "large_bytes", "large bytes", VAL_BYTES, 0, JSON_ONLY },
    { "evidence", "how recognised", VAL_TEXT, 1, IN_BOTH },
};

static const struct command_def pools_def = {
    "ngx-pools", "Find every nginx pool in the process and break memory down by pool type.",
    NULL, 0, 0, NULL, 0, COMMON_OUTPUT,
    "Walks glibc's in-use chunks for ngx_pool_t headers, validates each pool's\n"
    "whole block chain, and classifies it: cycle and old cycle by their owner\n"
    "pointers, connection and request pools by their default sizes (stated in\n"
    "the output). A master holds little besides its cycle pool; workers under\n"
    "load add connection and request pools.\n",
    "Example: ngx-pools",
};

static void ngx_pools_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    RESULT(r);
    char err[512];
    if (!glibc_session_open(&s, &pools_def, args, 0))
        return;
    struct output_options o = output_options(&s.opts);
    struct nginx_state st;
    if (!nginx_state_find(&s.reader, &st, err, sizeof err))
        ngxmem_error("ngx-pools: %s", err);
    static struct named_pool cycles[MAX_OLD_CYCLES + 2];
    /* pool chains a page at a time: a cycle's blocks are 16 KiB apart */
    int ncycles = nginx_cycle_pools(&s.heap.headers, &st, true, cycles, MAX_OLD_CYCLES + 2, err,
                                    sizeof err);
    if (ncycles < 0)
        ngxmem_error("ngx-pools: %s", err);

    struct pool_census c;
    if (!nginx_pool_census(&s.heap, &st, cycles, ncycles, &c, err, sizeof err))
        ngxmem_error("ngx-pools: %s", err);
    gdb_reader_done(&s.progress);
    const struct pool_kind_total *t = c.kinds;
    result_init(&r, "ngx-pools");
    nginx_describe(&st, &r);
    result_table(&r, "kinds", NULL, kind_columns, ARRAY_LEN(kind_columns));
    uint64_t total = 0, pools = 0, blocks = 0;
    for (int i = 0; i < PK_COUNT; i++) {
        struct value row[] = {
            val_id(pool_kind_names[i]), val_count(t[i].pools), val_count(t[i].blocks),
            val_bytes(t[i].bytes), val_bytes(t[i].used), val_bytes(t[i].unused),
            val_count(t[i].large), val_bytes(t[i].large_bytes), val_text(&r, "%s",
                                                                          pool_kind_evidence[i]),
        };
        result_row(&r, row);
        total += t[i].bytes;
        pools += t[i].pools;
        blocks += t[i].blocks;
    }
    struct value sum[] = { val_id("total"), val_count(pools), val_count(blocks), val_bytes(total),
                           val_none(), val_none(), val_none(), val_none(), val_none() };
    result_total(&r, sum);
    result_facts(&r, NULL, NULL);
    result_fact(&r, "candidate_count", "pool headers found", val_count(c.candidates),
                "in glibc's in-use chunks");
    result_fact(&r, "rejected_count", "rejected", val_count(c.rejected),
                "their block chain did not validate");
    command_emit(&r, &o);
}

void nginx_pools_register(void)
{
    command_register(&pools_def, ngx_pools_command);
}
