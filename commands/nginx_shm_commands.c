/* ngx-shm-zones and ngx-shm-slabs. */
#include "commands.h"

#include "command_def.h"
#include "command_output.h"
#include "gdb_reader.h"
#include "nginx_describe.h"
#include "nginx_shdict.h"
#include "nginx_shm.h"
#include "nginx_zone_pages.h"
#include "shm_session.h"
#include "zone_entries.h"
#include "zone_page_cache.h"
#include "shm_residency.h"
#include "ngxmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static const struct option_def consistent_options[] = {
    { "--consistent", OPT_FLAG, NULL, 0, 0 },
};

static const struct command_def zones_def = {
    "ngx-shm-zones", "List nginx's shared memory zones.", NULL, 0, 0, NULL, 0, COMMON_OUTPUT,
    "Every zone of cycle->shared_memory: name, size, owning module (from the zone's\n"
    "tag), address, whether its slab pool header checks out, and how ngx-shm-entries\n"
    "reads it (by that module). Sizes are virtual:\n"
    "a zone costs RAM only for the pages touched (see ngx-shm-slabs).\n",
    "Example: ngx-shm-zones",
};

static const struct command_def slabs_def = {
    "ngx-shm-slabs", "Show how a shared memory zone's slab allocator is used.", "ZONE", 1, 1,
    consistent_options, ARRAY_LEN(consistent_options), COMMON_OUTPUT,
    "Classifies every page (free run, multi-page allocation, small/exact/big slot\n"
    "page), counts used and free slabs (one slab = one allocation), per-slot totals\n"
    "cross-checked with the pool's own statistics, free runs by length, capacity\n"
    "and free bytes. Reads only metadata and the bitmaps of used pages, never a\n"
    "free page. Many free slabs in partly used pages with few free pages mean the\n"
    "zone is fragmented by slot size; no free pages means the next allocation of\n"
    "a new size class fails (lua: \"no memory\", LRU eviction). --consistent\n"
    "holds the other processes mapping the zone for the read, as in ngx-lua-shdict.\n",
    "Example: ngx-shm-slabs dogs",
};

static const struct option_def shdict_options[] = {
    { "--top", OPT_NUMBER, "N", SHDICT_TOP_MAX, 0 },
    { "--consistent", OPT_FLAG, NULL, 0, 0 },
};

static const struct command_def shdict_def = {
    "ngx-lua-shdict", "Show what a lua_shared_dict holds.", "ZONE", 1, 1, shdict_options,
    ARRAY_LEN(shdict_options), COMMON_OUTPUT,
    "Walks the dict's LRU queue (bounded, no recursion): number of keys, how many\n"
    "are expired but still stored, value types, bytes of keys, values and nodes,\n"
    "the LRU newest and oldest keys, the N biggest entries (default 10), capacity\n"
    "and free space (whole free pages, as free_space() says). Expired keys keep\n"
    "their memory until evicted or overwritten: a full dict of expired keys is a\n"
    "\"fake leak\", not a leak. Every node's key must match its CRC-32 hash.\n"
    "Other workers keep writing the dict while this process is stopped: it is\n"
    "read until two passes agree (at most 4); if none do, the figures of the last\n"
    "pass are shown with a note that the zone changed while it was read.\n"
    "--consistent holds every other process mapping the zone (ptrace, from a\n"
    "helper that lets them go when the read ends, on Ctrl-C, or if GDB dies)\n"
    "for the read, and says for how long.\n",
    "Example: ngx-lua-shdict dogs --top 5\n"
    "Example: ngx-lua-shdict dogs --consistent",
};

/* TAB completion of ZONE: the zones whose names can be typed back. */
int nginx_zone_names(char (*out)[NGXMEM_VALUE_MAX], int max)
{
    struct shm_session s __attribute__((cleanup(shm_session_release)));
    memset(&s, 0, sizeof s);
    shm_session_read_zones(&s, "completion");
    int n = 0;
    for (int i = 0; i < s.zones.n && n < max; i++)
        n += inferior_text_word(&s.zones.v[i].name, out[n], NGXMEM_VALUE_MAX);
    return n;
}

static const struct column zone_columns[] = {
    { "name", "zone", VAL_INFERIOR, 0, IN_BOTH },
    { "bytes", "size", VAL_BYTES, 0, IN_BOTH },
    { "owner", "owner", VAL_INFERIOR, 0, IN_BOTH },
    { "address", "address", VAL_ADDRESS, 1, IN_BOTH },
    { "entry", "entry", VAL_ADDRESS, 0, JSON_ONLY },
    { "slab_pool", "slab pool", VAL_ID, 0, IN_BOTH },
    { "kind", "read as", VAL_ID, 2, IN_BOTH },
};

static void ngx_shm_zones_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct shm_session s __attribute__((cleanup(shm_session_release)));
    RESULT(r);
    if (!shm_session_open(&s, &zones_def, args))
        return;
    struct output_options o = output_options(&s.opts);
    result_init(&r, "ngx-shm-zones");
    nginx_describe(&s.st, &r);
    result_table(&r, "zones", NULL, zone_columns, ARRAY_LEN(zone_columns));
    uint64_t total = 0;
    for (int i = 0; i < s.zones.n; i++) {
        const struct ngx_zone *z = &s.zones.v[i];
        const char *pool = z->slab_ok ? "ok" : !z->size_ok ? "bad_size"
                           : z->readable ? "corrupt" : "unreadable";
        struct value row[] = { val_inferior(&r, &z->name),
                               z->size_ok ? val_bytes(z->size) : val_none(),
                               val_inferior(&r, &z->owner), val_address(z->addr),
                               val_address(z->entry), val_id(pool),
                               val_id(zone_kind_ids[zone_kind_of(z)]) };
        result_row(&r, row);
        total += z->size_ok ? z->size : 0;   /* each below 2^47: no wrap */
    }
    nginx_zones_said(&r, &s.zones);
    result_facts(&r, NULL, NULL);
    result_fact(&r, "zone_count", "zones", val_count((uint64_t)s.zones.n), NULL);
    result_fact(&r, "total_bytes", "in total", val_bytes(total),
                "virtual: see ngx-shm-pages for what is in RAM");
    command_emit(&r, &o);
}

static const struct column slot_columns[] = {
    { "slot_bytes", "slot", VAL_BYTES, 0, IN_BOTH },
    { "page_count", "pages", VAL_COUNT, 0, IN_BOTH },
    { "slot_count", "slots", VAL_COUNT, 0, IN_BOTH },
    { "used_count", "used", VAL_COUNT, 0, IN_BOTH },
    { "free_count", "free", VAL_COUNT, 0, IN_BOTH },
    { "request_count", "requests", VAL_COUNT, 0, IN_BOTH },
    { "failure_count", "failures", VAL_COUNT, 0, IN_BOTH },
};

static const struct column run_columns[] = {
    { "length", "pages", VAL_TEXT, 0, TEXT_ONLY },
    { "from_pages", "from", VAL_COUNT, 0, JSON_ONLY },
    { "to_pages", "to", VAL_COUNT, 0, JSON_ONLY },
    { "run_count", "free runs", VAL_COUNT, 0, IN_BOTH },
};

/* The zone's slab pool as ngx-shm-slabs shows it. */
static void slabs_result(const struct ngx_zone *z, const struct slab_report *sr,
                         struct result *r)
{
    result_facts(r, NULL, NULL);
    result_fact(r, "zone", "zone", val_inferior(r, &z->name), NULL);
    result_fact(r, "owner", "owner", val_inferior(r, &z->owner), NULL);
    result_fact(r, "zone_bytes", "capacity", val_bytes(z->size), NULL);
    result_fact(r, "free_bytes", "free", val_bytes(sr->free_pages * sr->pagesize),
                "whole free pages: what lua's free_space() reports");
    result_fact(r, "page_bytes", "page size", val_bytes(sr->pagesize), NULL);
    result_fact(r, "metadata_bytes", "metadata", val_bytes(sr->meta_bytes),
                "header, slots, statistics, page descriptors");
    result_fact(r, "page_count", "pages", val_count(sr->pages), NULL);
    result_fact(r, "used_page_count", "used pages", val_count(sr->used_pages), NULL);
    result_fact(r, "small_page_count", "  small slot pages", val_count(sr->small_pages), NULL);
    result_fact(r, "exact_page_count", "  exact slot pages", val_count(sr->exact_pages), NULL);
    result_fact(r, "big_page_count", "  big slot pages", val_count(sr->big_pages), NULL);
    result_fact(r, "run_page_count", "  in multi-page runs", val_count(sr->run_pages),
                "%llu allocations", (unsigned long long)sr->run_allocs);
    result_fact(r, "run_count", "multi-page allocations", val_count(sr->run_allocs), NULL);
    result_fact(r, "free_page_count", "free pages", val_count(sr->free_pages), NULL);
    result_fact(r, "free_run_count", "free runs", val_count(sr->free_runs), NULL);
    result_fact(r, "used_slab_count", "used slabs", val_count(sr->used_slabs),
                "one slab = one allocation; a slot page's bitmap counts as used");
    result_fact(r, "free_slab_count", "free slabs", val_count(sr->free_slabs), NULL);
    result_fact(r, "consistent", "consistent", val_bool(!sr->inconsistency[0]), NULL);
    if (sr->inconsistency[0])
        result_warning(r, "inconsistent: %s", sr->inconsistency);
    result_table(r, "slots", "Slot sizes:", slot_columns, ARRAY_LEN(slot_columns));
    for (int i = 0; i < sr->nslots; i++) {
        const struct slab_slot *t = &sr->slots[i];
        struct value row[] = { val_bytes(t->size), val_count(t->pages), val_count(t->total),
                               val_count(t->used), val_count(t->total - t->used),
                               val_count(t->stat_reqs), val_count(t->stat_fails) };
        result_row(r, row);
    }
    result_table(r, "free_runs", "Free runs by length:", run_columns, ARRAY_LEN(run_columns));
    for (int i = 0; i < SLAB_SIZE_BUCKETS; i++)
        if (sr->free_run_hist[i]) {
            struct value row[] = { val_text(r, "[%llu, %llu)", 1ull << i, 2ull << i),
                                   val_count(1ull << i), val_count(2ull << i),
                                   val_count(sr->free_run_hist[i]) };
            result_row(r, row);
        }
}

static void ngx_shm_slabs_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct shm_session s __attribute__((cleanup(shm_session_release)));
    if (!shm_session_open(&s, &slabs_def, args))
        return;
    struct output_options o = output_options(&s.opts);
    bool consistent = opt_given(&s.opts, "--consistent");
    const struct ngx_zone *z = shm_zone_named(&s, "ngx-shm-slabs", opt_positional(&s.opts, 0));
    struct slab_report r;
    char err[512];
    struct process_hold hold __attribute__((cleanup(shm_release_hold))) = { .release_fd = -1 };
    if (consistent)
        shm_hold_sharers(&s, "ngx-shm-slabs", z, &hold);
    int held = hold.held;
    bool ok = nginx_slab_report(&s.raw, &s.st, z, &r, err, sizeof err);
    double held_ms = hold_release(&hold);
    if (!ok)
        ngxmem_error("ngx-shm-slabs: %s", err);
    RESULT(res);
    result_init(&res, "ngx-shm-slabs");
    nginx_describe(&s.st, &res);
    slabs_result(z, &r, &res);
    if (consistent)
        shm_held_result(held, held_ms, &res);
    command_emit(&res, &o);
}

enum { SHDICT_READS_MAX = 4, SHDICT_EMPTY_SLABS = 3 };

static bool same_reading(const struct shdict_report *a, const struct slab_report *as,
                         const struct shdict_report *b, const struct slab_report *bs)
{
    return a->keys == b->keys && a->key_bytes == b->key_bytes &&
           a->value_bytes == b->value_bytes && a->alloc_bytes == b->alloc_bytes &&
           a->newest.alloc == b->newest.alloc && a->oldest.alloc == b->oldest.alloc &&
           as->used_slabs == bs->used_slabs && as->free_pages == bs->free_pages;
}

/* Only the attached process is stopped: the other workers may write the
 * zone while we read it. Read until two passes in a row agree, at most
 * SHDICT_READS_MAX times. Returns the number of reads, negative when no
 * two agreed (R, SR: the last good pass); raises when none succeeded. */
static int read_shdict_stable(struct shm_session *s, const struct ngx_zone *z, uint64_t now,
                              int top, struct shdict_report *r, struct slab_report *sr)
{
    static struct shdict_report prev;
    struct slab_report prev_sr;
    char err[512];
    bool have_prev = false, have_any = false;
    for (int i = 1; i <= SHDICT_READS_MAX; i++) {
        /* the slabs first: their used pages let the dict's walk read each once */
        bool ok = nginx_slab_report(&s->raw, &s->st, z, sr, err, sizeof err);
        if (ok) {
            struct zone_page_cache pc;
            zone_page_cache_begin(&pc, &s->raw, z, sr);
            ok = nginx_shdict_report(&pc.via, z, now, top, NULL, NULL, r, err, sizeof err);
            zone_page_cache_end(&pc);
        }
        if (ok && have_prev && same_reading(&prev, &prev_sr, r, sr))
            return i;
        if (ok) {
            prev = *r;
            prev_sr = *sr;
            have_any = true;
        }
        have_prev = ok;
    }
    if (!have_any)
        ngxmem_error("ngx-lua-shdict: %s (%d reads failed alike: corrupt, or written "
                     "faster than it can be read)", err, SHDICT_READS_MAX);
    *r = prev;
    *sr = prev_sr;
    return -SHDICT_READS_MAX;
}

static const struct column entry_columns[] = {
    { "key", "biggest entries", VAL_INFERIOR, 0, IN_BOTH },
    { "type", "type", VAL_ID, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "expires_at_ms", "expires", VAL_COUNT, 0, JSON_ONLY },
};

static const char *shdict_type_id(unsigned type)
{
    return shdict_type_names[type < SHDICT_TYPES ? type : 2];
}

static void shdict_result(const struct ngx_zone *z, const struct shdict_report *d,
                          const struct slab_report *sr, int reads, struct result *r)
{
    result_facts(r, NULL, NULL);
    result_fact(r, "zone", "lua_shared_dict", val_inferior(r, &z->name), NULL);
    result_fact(r, "key_count", "keys", val_count(d->keys), NULL);
    result_fact(r, "expired_count", "expired", val_count(d->expired), "still stored");
    result_fact(r, "zone_bytes", "capacity", val_bytes(z->size), NULL);
    result_fact(r, "free_bytes", "free space", val_bytes(sr->free_pages * sr->pagesize),
                "whole free pages, as free_space() says");
    result_fact(r, "key_bytes", "key bytes", val_bytes(d->key_bytes), NULL);
    result_fact(r, "value_bytes", "value bytes", val_bytes(d->value_bytes), NULL);
    result_fact(r, "node_bytes", "node bytes", val_bytes(d->alloc_bytes), NULL);
    result_fact(r, "used_slab_count", "used slabs", val_count(sr->used_slabs), NULL);
    result_fact(r, "newest_key", "LRU newest", d->keys ? val_inferior(r, &d->newest.key)
                                                       : val_none(), NULL);
    result_fact(r, "oldest_key", "LRU oldest", d->keys ? val_inferior(r, &d->oldest.key)
                                                       : val_none(),
                "evicted first when the zone is full");
    result_fact(r, "read_count", "reads", val_count((uint64_t)(reads < 0 ? -reads : reads)),
                NULL);
    bool changed = reads < 0,
         corrupt = !changed && d->keys == 0 && sr->used_slabs > SHDICT_EMPTY_SLABS;
    result_fact(r, "consistent", "consistent", val_bool(!changed && !corrupt), NULL);
    if (changed)
        result_note(r, "the zone changed while it was read (%d reads, no two alike): figures "
                    "are from the last read", -reads);
    if (corrupt)
        result_warning(r, "inconsistent: the LRU queue is empty but the zone holds %llu "
                       "allocations (an empty dict has %d): the queue head is corrupt",
                       (unsigned long long)sr->used_slabs, SHDICT_EMPTY_SLABS);
    result_facts(r, "value_types", "Value types:");
    for (int i = 0; i < SHDICT_TYPES; i++)
        if (i != 2)
            result_fact(r, shdict_type_names[i], shdict_type_names[i],
                        val_count(d->by_type[i]), NULL);
    result_table(r, "biggest", NULL, entry_columns, ARRAY_LEN(entry_columns));
    for (int i = 0; i < d->ntop; i++) {
        struct value row[] = { val_inferior(r, &d->top[i].key), val_id(shdict_type_id(d->top[i].type)),
                               val_bytes(d->top[i].alloc), val_count(d->top[i].expires) };
        result_row(r, row);
    }
}

static void ngx_lua_shdict_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct shm_session s __attribute__((cleanup(shm_session_release)));
    if (!shm_session_open(&s, &shdict_def, args))
        return;
    struct output_options o = output_options(&s.opts);
    bool consistent = opt_given(&s.opts, "--consistent");
    uint64_t top = opt_number(&s.opts, "--top", 10);
    const struct ngx_zone *z = shm_zone_named(&s, "ngx-lua-shdict", opt_positional(&s.opts, 0));
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint64_t now = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
    static struct shdict_report r;
    struct slab_report sr;
    struct process_hold hold __attribute__((cleanup(shm_release_hold))) = { .release_fd = -1 };
    if (consistent)
        shm_hold_sharers(&s, "ngx-lua-shdict", z, &hold);
    int held = hold.held;
    int reads = read_shdict_stable(&s, z, now, (int)top, &r, &sr);
    double held_ms = hold_release(&hold);
    RESULT(res);
    result_init(&res, "ngx-lua-shdict");
    nginx_describe(&s.st, &res);
    shdict_result(z, &r, &sr, reads, &res);
    if (consistent)
        shm_held_result(held, held_ms, &res);
    command_emit(&res, &o);
}

void nginx_shm_register(void)
{
    command_register(&zones_def, ngx_shm_zones_command);
    command_register(&slabs_def, ngx_shm_slabs_command);
    command_register(&shdict_def, ngx_lua_shdict_command);
    ngxmem_set_value_completer("ngx-shm-slabs", nginx_zone_names);
    ngxmem_set_value_completer("ngx-lua-shdict", nginx_zone_names);
}
