/* ngx-heap-map: glibc-heap-map with nginx's cycle pools marked, and how
 * much free memory lies below the highest cycle-pool chunk (what a HUP
 * reload left behind and the new configuration now pins). */
#include "commands.h"

#include "command_output.h"
#include "glibc_heap_map.h"
#include "heap_claims.h"
#include "nginx_cycles.h"
#include "pool_claims.h"
#include "ngxmem.h"

#include <stdlib.h>
#include <string.h>

/* The cycles' pool chunks as claims, the map's characters from them. */
struct cycle_claims {
    struct heap_claims claims;
    int owner;                   /* for the pool being walked */
    size_t cursor;               /* the walk asks in address order */
    uint64_t chunks;
};

/* A claim on the chunk that starts at ADDR's header (the walk gives its
 * size: the map asks for the owner of a chunk's first byte). */
static void own(void *arg, uint64_t addr, bool large)
{
    (void)large;
    struct cycle_claims *o = arg;
    heap_claim(&o->claims, addr - 16, addr - 15, o->owner);   /* malloc'ed address -> chunk */
    o->chunks++;
}

static char owner_of(void *arg, uint64_t chunk, uint64_t size)
{
    (void)size;
    struct cycle_claims *o = arg;
    int k = heap_claims_listed_at(&o->claims, chunk, &o->cursor);
    return k < 0 ? 0 : o->claims.owners[k].map_char;
}

static void release_claims(struct cycle_claims *o)
{
    heap_claims_release(&o->claims);
}

/* Free bytes below the highest chunk owned by the current cycle, per segment. */
struct pinned {
    struct cycle_claims *o;
    int segment;
    uint64_t pending, below, highest;
};

static void pinned_chunk(void *arg, const struct glibc_chunk *c)
{
    struct pinned *p = arg;
    if (c->segment != p->segment) {
        p->segment = c->segment;
        p->pending = 0;
    }
    if (c->cls == CH_IN_USE) {
        if (owner_of(p->o, c->addr, c->size) == 'C') {
            p->below += p->pending;
            p->pending = 0;
            if (c->addr > p->highest)
                p->highest = c->addr;
        }
    } else if (c->cls != CH_TOP && c->cls != CH_FENCEPOST) {
        p->pending += c->size;
    }
}

static const struct option_def heap_map_options[] = { ARENA_OPTION, CELL_OPTION };

static const struct command_def heap_map_def = {
    "ngx-heap-map", "Draw the glibc heap with nginx's configuration (cycle) pools marked.",
    NULL, 0, 0, heap_map_options, ARRAY_LEN(heap_map_options), COMMON_OUTPUT,
    "Like glibc-heap-map, with cells whose live bytes are mostly cycle-pool chunks\n"
    "shown as C (current cycle) or O (old cycle), other live chunks as #, free as\n"
    "'.'. Then the free bytes lying below the highest current-cycle chunk: after a\n"
    "HUP reload that is the old configuration's memory, which glibc cannot give\n"
    "back while the new configuration sits above it. glibc-free-chunks says how\n"
    "much malloc_trim(0) would return; ngx-cycle-pools' help says how to keep\n"
    "pool blocks out of the brk heap, or the cycle small.\n",
    "Example: ngx-heap-map --arena main --cell 256K",
};

static void ngx_heap_map_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    RESULT(r);
    struct cycle_claims o __attribute__((cleanup(release_claims))) = { 0 };
    char err[512];
    if (!glibc_session_open(&s, &heap_map_def, args, 0))
        return;
    int arena = glibc_session_arena(&s, "ngx-heap-map");
    uint64_t cell = heap_map_cell_option(&s.opts, "ngx-heap-map");
    struct output_options out = output_options(&s.opts);

    struct nginx_state st;
    if (!nginx_state_find(&s.reader, &st, err, sizeof err))
        ngxmem_error("ngx-heap-map: %s", err);
    static struct named_pool pools[MAX_OLD_CYCLES + 2];
    /* pool chains a page at a time: a cycle's blocks are 16 KiB apart */
    int n = nginx_cycle_pools(&s.heap.headers, &st, true, pools, MAX_OLD_CYCLES + 2, err, sizeof err);
    if (n < 0)
        ngxmem_error("ngx-heap-map: %s", err);
    for (int i = 0; i < n; i++) {
        struct nginx_pool_stats again;
        enum pool_kind kind = i == 0 ? PK_CYCLE : PK_OLD_CYCLE;
        o.owner = heap_claims_owner(&o.claims, pool_claims_map_char(kind), pool_claims_part(kind), 0);
        if (!nginx_pool_walk(&s.heap.headers, pools[i].pool, true, &again, own, &o, err, sizeof err))
            ngxmem_error("ngx-heap-map: %s", err);
    }
    if (o.claims.oom)
        ngxmem_error("ngx-heap-map: out of memory");

    /* one walk: the pinned bytes and the map together */
    struct heap_map_overlay overlay = { owner_of, &o, "CO",
                                        GLIBC_MAP_LEGEND ", C current cycle pool, O old cycle pool" };
    struct heap_map m __attribute__((cleanup(heap_map_release)));
    if (!heap_map_begin(&m, &s.heap, arena, cell, 0, &overlay, err, sizeof err))
        ngxmem_error("ngx-heap-map: %s", err);
    struct pinned p = { .o = &o, .segment = -1 };
    struct chunk_fanout fan = { 0 };
    chunk_fanout_add(&fan, pinned_chunk, &p);
    chunk_fanout_add(&fan, heap_map_chunk, &m);
    if (!glibc_heap_walk(&s.heap, arena, chunk_fanout_chunk, &fan, err, sizeof err))
        ngxmem_error("ngx-heap-map: %s", err);
    gdb_reader_done(&s.progress);

    result_init(&r, "ngx-heap-map");
    glibc_session_describe(&s, &r);
    heap_map_emit(&m, &r);
    result_facts(&r, "cycle", NULL);
    result_fact(&r, "chunk_count", "chunks of cycle pools", val_count(o.chunks), NULL);
    result_fact(&r, "free_below_highest_bytes", "free below the highest cycle chunk",
                val_bytes(p.below), "freed by a reload, pinned by the new configuration above it");
    result_fact(&r, "highest_chunk", "highest current-cycle chunk", val_address(p.highest), NULL);
    command_emit(&r, &out);
}

void nginx_heap_map_register(void)
{
    command_register(&heap_map_def, ngx_heap_map_command);
}
