/* ngx-shm-entries: what a zone holds, read by its owning module's reader
 * (zone_entries), and how fragmented its slab allocator is. */
#include "commands.h"

#include "command_output.h"
#include "format.h"
#include "nginx_describe.h"
#include "shm_residency.h"
#include "shm_session.h"
#include "zone_entries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct option_def entries_options[] = {
    { "--top", OPT_NUMBER, "N", ZONE_TOP_MAX, 0 },
    { "--consistent", OPT_FLAG, NULL, 0, 0 },
};

static const struct command_def entries_def = {
    "ngx-shm-entries", "Show what a shared memory zone holds, read as its module lays it out.",
    "ZONE", 1, 1, entries_options, ARRAY_LEN(entries_options), COMMON_OUTPUT,
    "The zone's owning module (its tag) picks the reader, which walks the module's\n"
    "red-black tree and LRU queue in the zone (bounded, cycle-safe; each key checked\n"
    "against its CRC-32 hash where the module keeps one):\n"
    "  limit_req            clients tracked, key lengths, excess, time since the last\n"
    "                       request (ngx_current_msec), the LRU ends;\n"
    "  limit_conn           keys and the connections each counts now;\n"
    "  *_cache_path keys    entries (the MD5 keys: the cache files' names), uses,\n"
    "                       bytes on disk against the zone's own total and max_size,\n"
    "                       validity and inactivity spreads, cold/loading;\n"
    "  ssl_session_cache    sessions, their DER bytes, expiry spread;\n"
    "  lua_shared_dict      keys, node sizes, expiry spread (it keeps no last-use time);\n"
    "  upstream zone        each group's servers (\"GROUP SERVER\"): connections, failures,\n"
    "                       weight, down and backup ones.\n"
    "Then each allocation's slab slot and the bytes its rounding wastes, and the\n"
    "fragmentation: free pages as runs, the largest allocation that succeeds now\n"
    "(\"40 MiB free, but no run of 5 pages: an allocation over 16 KiB fails\").\n"
    "A zone of another module says so and shows its slabs. Other workers write the\n"
    "zone while this process is stopped: it is read until two passes agree (at most\n"
    "4), else the last is shown with a note; --consistent holds them for the read.\n"
    "--top N: the N biggest entries (default 10, at most 50).\n",
    "Example: ngx-shm-entries perip\n"
    "Example: ngx-shm-entries STATIC --top 5 --json",
};

static const char *const unit_ids[] = { "bytes", "count", "ms", "s" };

static const struct column spread_columns[] = {
    { "spread", "spread", VAL_ID, 0, JSON_ONLY },
    { "name", "of the entries", VAL_TEXT, 0, TEXT_ONLY },
    { "unit", "unit", VAL_ID, 0, IN_BOTH },
    { "count", "entries", VAL_COUNT, 0, IN_BOTH },
    { "min", "min", VAL_INT, 0, IN_BOTH },
    { "max", "max", VAL_INT, 0, IN_BOTH },
    { "average", "average", VAL_INT, 0, IN_BOTH },
    { "sum", "sum", VAL_INT, 1, IN_BOTH },
    { "negative_count", "below 0", VAL_COUNT, 2, IN_BOTH },
};

static const struct column bucket_columns[] = {
    { "spread", "spread", VAL_ID, 0, JSON_ONLY },
    { "name", "of the entries", VAL_TEXT, 0, TEXT_ONLY },
    { "range", "range", VAL_TEXT, 0, TEXT_ONLY },
    { "from", "from", VAL_INT, 0, JSON_ONLY },
    { "to", "to", VAL_INT, 0, JSON_ONLY },
    { "count", "entries", VAL_COUNT, 0, IN_BOTH },
};

static const struct column slot_columns[] = {
    { "slot", "slot", VAL_TEXT, 0, TEXT_ONLY },
    { "slot_bytes", "slot", VAL_BYTES, 0, JSON_ONLY },
    { "allocation_count", "allocations", VAL_COUNT, 0, IN_BOTH },
    { "asked_bytes", "asked", VAL_BYTES, 0, IN_BOTH },
    { "rounded_bytes", "given", VAL_BYTES, 0, IN_BOTH },
    { "wasted_bytes", "wasted", VAL_BYTES, 0, IN_BOTH },
};

static const struct column top_columns[] = {
    { "key", "biggest entries", VAL_INFERIOR, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "figure", "figure", VAL_INT, 0, IN_BOTH },
    { "node", "node", VAL_ADDRESS, 1, IN_BOTH },
};

static void kind_facts(const struct zone_entries *e, struct result *r)
{
    switch (e->kind) {
    case ZK_LIMIT_REQ:
        result_fact(r, "rate_mrps", "rate", val_count(e->rate_mrps),
                    "in 0.001 requests/s: rate=%llu.%03llur/s",
                    (unsigned long long)(e->rate_mrps / 1000),
                    (unsigned long long)(e->rate_mrps % 1000));
        break;
    case ZK_LIMIT_CONN:
        result_fact(r, "connection_count", "connections", val_count(e->conn_total),
                    "counted now, all keys");
        break;
    case ZK_FILE_CACHE:
        result_fact(r, "disk_block_count", "on disk (entries)", val_count(e->fs_blocks),
                    "blocks: the entries' fs_size");
        result_fact(r, "cache_block_count", "on disk (zone)", val_count(e->cache_size_blocks),
                    "blocks: the zone's own total, which the cache manager holds to max_size");
        result_fact(r, "cache_count", "entries (zone)", val_count(e->cache_count), NULL);
        result_fact(r, "block_bytes", "block size",
                    e->have_cache_conf ? val_bytes(e->cache_bsize) : val_none(), NULL);
        result_fact(r, "max_block_count", "max_size",
                    e->have_cache_conf ? val_count(e->cache_max_blocks) : val_none(),
                    "blocks");
        result_fact(r, "cold", "cold", val_bool(e->cold), "the cache loader has not run yet");
        result_fact(r, "loading", "loading", val_bool(e->loading), NULL);
        break;
    case ZK_SSL_SESSIONS:
        result_fact(r, "session_bytes", "session bytes", val_bytes(e->session_bytes),
                    "their DER encodings");
        break;
    case ZK_UPSTREAM:
        result_fact(r, "group_count", "upstreams", val_count(e->group_count), NULL);
        result_fact(r, "down_count", "servers down", val_count(e->down_count), NULL);
        result_fact(r, "backup_count", "backup servers", val_count(e->backup_count), NULL);
        result_fact(r, "connection_count", "connections", val_count(e->conn_total),
                    "to all servers now");
        break;
    default:
        break;
    }
}

static void fragmentation_facts(const struct slab_report *sr, struct result *r)
{
    uint64_t free_bytes = sr->free_pages * sr->pagesize, largest = slab_largest_alloc(sr);
    char a[32], b[32];
    result_facts(r, "fragmentation", "Fragmentation:");
    result_fact(r, "free_bytes", "free", val_bytes(free_bytes), "%llu pages in %llu run%s",
                (unsigned long long)sr->free_pages, (unsigned long long)sr->free_runs,
                sr->free_runs == 1 ? "" : "s");
    result_fact(r, "largest_free_run_page_count", "largest free run",
                val_count(sr->largest_free_run), "pages");
    result_fact(r, "largest_alloc_bytes", "largest allocation", val_bytes(largest),
                "that succeeds now, without evicting");
    if (sr->largest_free_run && free_bytes > 2 * largest)
        result_note(r, "%s free, but no run of %llu pages: an allocation over %s fails "
                    "(lua_shared_dict then evicts, others fail)",
                    format_bytes(free_bytes, a, sizeof a),
                    (unsigned long long)sr->largest_free_run + 1,
                    format_bytes(largest, b, sizeof b));
}

static void entries_result(const struct ngx_zone *z, const struct zone_reading *d,
                           int reads, struct result *r)
{
    const struct zone_entries *e = &d->entries;
    const struct slab_report *sr = &d->slabs;
    bool known = e->kind != ZK_UNKNOWN;
    result_facts(r, NULL, NULL);
    result_fact(r, "zone", "zone", val_inferior(r, &z->name), NULL);
    result_fact(r, "module", "module", val_inferior(r, &z->owner), NULL);
    result_fact(r, "kind", "read as", val_id(zone_kind_ids[e->kind]), "%s",
                zone_kind_names[e->kind]);
    result_fact(r, "zone_bytes", "capacity", val_bytes(z->size), NULL);
    result_fact(r, "entry_count", "entries", known ? val_count(e->entry_count) : val_none(),
                NULL);
    result_fact(r, "asked_bytes", "allocated", known ? val_bytes(e->asked_bytes) : val_none(),
                "%llu slab allocations, as asked", (unsigned long long)e->alloc_count);
    result_fact(r, "slot_bytes", "as given", known ? val_bytes(e->slot_bytes) : val_none(),
                "rounded up to their slots");
    result_fact(r, "wasted_bytes", "wasted by rounding",
                known ? val_bytes(e->slot_bytes - e->asked_bytes) : val_none(), NULL);
    result_fact(r, "expired_count", "expired", known ? val_count(e->expired_count) : val_none(),
                "still stored");
    if (e->have_lru) {
        const char *unit = unit_ids[e->lru_unit];
        result_fact(r, "lru_newest", "LRU newest", val_int(e->lru_newest), "%s%s", unit,
                    e->lru_unit == ZU_MS ? " since its last request" : " to its expiry");
        result_fact(r, "lru_oldest", "LRU oldest", val_int(e->lru_oldest), "%s; evicted first",
                    unit);
    }
    kind_facts(e, r);
    result_fact(r, "layout_check", "layout", val_text(r, "%s", e->layout_check), NULL);
    result_fact(r, "read_count", "reads", val_count((uint64_t)(reads < 0 ? -reads : reads)), NULL);
    result_fact(r, "consistent", "consistent", val_bool(reads > 0 && !sr->inconsistency[0]), NULL);
    if (reads < 0)
        result_note(r, "the zone changed while it was read (%d reads, no two alike): figures "
                    "are from the last read", -reads);
    if (sr->inconsistency[0])
        result_warning(r, "inconsistent: %s", sr->inconsistency);
    if (!known) {
        char owner[TEXT_OUT];
        result_note(r, "no reader for %s's zones: its slabs only (ngx-shm-slabs)",
                    text_terminal(&z->owner, owner));
    }
    fragmentation_facts(sr, r);
    result_table(r, "spreads", "Spreads:", spread_columns, ARRAY_LEN(spread_columns));
    for (int i = 0; i < e->nspreads; i++) {
        const struct zone_spread *s = &e->spreads[i];
        if (!s->n)
            continue;
        struct value row[] = { val_id(s->id), val_text(r, "%s", s->name), val_id(unit_ids[s->unit]),
                               val_count(s->n), val_int(s->min), val_int(s->max),
                               val_int(s->sum / (int64_t)s->n), val_int(s->sum),
                               val_count(s->negative) };
        result_row(r, row);
    }
    result_table(r, "distribution", "Distributions (by power of two):", bucket_columns,
                 ARRAY_LEN(bucket_columns));
    for (int i = 0; i < e->nspreads; i++)
        for (int b = 0; b < ZONE_SPREAD_BUCKETS; b++) {
            const struct zone_spread *s = &e->spreads[i];
            if (!s->hist[b])
                continue;
            int64_t from = b ? 1ll << b : 0, to = 2ll << b;
            struct value row[] = { val_id(s->id), val_text(r, "%s", s->name),
                                   val_text(r, "[%lld, %lld)", (long long)from,
                                                           (long long)to),
                                   val_int(from), val_int(to), val_count(s->hist[b]) };
            result_row(r, row);
        }
    result_table(r, "slots", "Allocations by slab slot:", slot_columns, ARRAY_LEN(slot_columns));
    for (int k = 0; k <= SLAB_SLOTS_MAX; k++) {
        if (!e->slot_allocs[k])
            continue;
        uint64_t size = k < SLAB_SLOTS_MAX ? 1ull << (sr->min_shift + (uint64_t)k) : 0;
        char sz[32];
        struct value row[] = { k < SLAB_SLOTS_MAX ? val_text(r, "%s", format_bytes(size, sz, sizeof sz))
                                                  : val_text(r, "pages"),
                               k < SLAB_SLOTS_MAX ? val_bytes(size) : val_none(),
                               val_count(e->slot_allocs[k]), val_bytes(e->slot_asked[k]),
                               val_bytes(e->slot_rounded[k]),
                               val_bytes(e->slot_rounded[k] - e->slot_asked[k]) };
        result_row(r, row);
    }
    result_table(r, "biggest", NULL, top_columns, ARRAY_LEN(top_columns));
    for (int i = 0; i < e->ntop; i++) {
        const struct zone_entry *x = &e->top[i];
        struct value row[] = { val_inferior(r, &x->key), val_bytes(x->bytes),
                               e->figure_name ? val_int(x->figure) : val_none(),
                               val_address(x->node) };
        result_row(r, row);
    }
    if (e->figure_name)
        result_note(r, "figure: the entries' %s", e->figure_name);
}

static void ngx_shm_entries_command(const char *args, int from_tty)
{
    (void)from_tty;
    const char *cmd = entries_def.name;
    struct shm_session s __attribute__((cleanup(shm_session_release)));
    if (!shm_session_open(&s, &entries_def, args))
        return;
    struct output_options o = output_options(&s.opts);
    bool consistent = opt_given(&s.opts, "--consistent");
    uint64_t top = opt_number(&s.opts, "--top", 10);
    const struct ngx_zone *z = shm_zone_named(&s, cmd, opt_positional(&s.opts, 0));
    if (!z->slab_ok)
        ngxmem_error("%s: zone has no valid slab pool header (see ngx-shm-zones)", cmd);
    struct zone_clock clock;
    zone_clock_read(&s.raw, residency_is_our_tracee(residency_nginx_pid(&s.raw)), &clock);
    static struct zone_reading d;
    struct process_hold hold __attribute__((cleanup(shm_release_hold))) = { .release_fd = -1 };
    if (consistent)
        shm_hold_sharers(&s, cmd, z, &hold);
    int held = hold.held;
    char err[512];
    int reads = zone_entries_read_stable(&s.raw, &s.st, z, &clock, (int)top, &d, err, sizeof err);
    double held_ms = hold_release(&hold);
    if (!reads)
        ngxmem_error("%s: %s (%d reads failed alike: corrupt, or written faster than it can "
                     "be read)", cmd, err, ZONE_READS_MAX);
    zone_entries_check_layout(&s.raw, &s.st, z, &d.entries);
    RESULT(res);
    result_init(&res, cmd);
    nginx_describe(&s.st, &res);
    entries_result(z, &d, reads, &res);
    if (consistent)
        shm_held_result(held, held_ms, &res);
    command_emit(&res, &o);
}

void nginx_shm_entries_register(void)
{
    command_register(&entries_def, ngx_shm_entries_command);
    ngxmem_set_value_completer(entries_def.name, nginx_zone_names);
}
