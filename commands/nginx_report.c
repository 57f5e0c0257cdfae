/* ngx-report: where an nginx process's memory went, and what to do about
 * it, in one command: one attach, one heap walk shared by every section
 * (glibc statistics, the pool census, the free-but-resident pages), one
 * read of the zones. */
#include "commands.h"

#include "breakdown_output.h"
#include "command_output.h"
#include "format.h"
#include "glibc_heap_map.h"
#include "glibc_placement.h"
#include "glibc_session.h"
#include "glibc_summary.h"
#include "nginx_describe.h"
#include "nginx_lua.h"
#include "lua_gc_output.h"
#include "nginx_pool_census.h"
#include "nginx_zone_pages.h"
#include "zone_entries.h"
#include "output_file.h"
#include "heap_allocator.h"
#include "owners_session.h"
#include "pool_claims.h"
#include "report_diff.h"
#include "report_metrics.h"
#include "render.h"
#include "ngxmem.h"
#include "rss_breakdown.h"
#include "target_identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <string.h>

enum { KiB = 1 << 10, MiB = 1 << 20 };

struct zone_report;

struct report_session {
    struct glibc_session glibc;
    struct rss_breakdown rss;
    struct pool_census_walk census;
    struct glibc_placement placement;
    struct heap_map map;
    struct ngx_zone_list zones;
    struct zone_report *zone_pages;
    struct output_file html, save, metrics;
    struct report_items *baseline;
    struct owners_session owners;
    struct heap_claims claims;
};

static void report_session_release(struct report_session *s)
{
    owners_release(&s->owners);
    heap_claims_release(&s->claims);
    report_diff_free(s->baseline);
    output_file_release(&s->html);
    output_file_release(&s->save);
    output_file_release(&s->metrics);
    free(s->zone_pages);
    ngx_zone_list_release(&s->zones);
    heap_map_release(&s->map);
    glibc_placement_release(&s->placement);
    pool_census_release(&s->census);
    rss_breakdown_release(&s->rss);
    glibc_session_release(&s->glibc);
}

struct zone_report {
    struct zone_pages pages;
    enum residency_method method;
    bool have_slabs;
    struct slab_report slabs;
    char slab_err[160];          /* why not, for a zone with a slab pool */
    /* its entries, by its module's reader (zone_entries): what of them the
     * report shows */
    enum zone_kind kind;
    bool have_entries;
    uint64_t entry_count, asked_bytes, slot_bytes, expired_count;
    bool have_cache_conf;        /* a cache's keys zone: its max_size known */
    uint64_t cache_blocks, cache_max_blocks, cache_bsize;
    int reads;                   /* < 0: no two reads agreed */
    char entries_err[160];
};

/* What the walk and the reads found, for the sections and suggestions. */
struct report_facts {
    bool have_rss;
    const struct glibc_stats *heap;
    struct pool_census census;
    int ncycles;
    const struct ngx_zone *zones;
    const struct zone_report *zone_pages;
    int nzones;
    uint64_t page_size;
    /* the next reload, in a master (have_reload) */
    bool have_reload;
    struct placement_prediction reload;
    uint64_t heap_bytes;         /* the main arena's, now */
    /* a restarted nginx with this configuration, its start and first
     * reload: with the mmap threshold it has (as_now), with 16 KiB (mmap) */
    uint64_t threshold;
    struct placement_prediction as_now[2], mmap[2];
    bool worker, lua;
    const struct owners_session *owners;   /* who holds the heap, run; NULL: not */
    const char *allocator;       /* heap NULL: whose malloc it is */
};

/* The mmap threshold the suggestion names: a cycle pool block (16 KiB,
 * a 16,400-byte chunk) is at it. */
enum { SUGGESTED_MMAP_THRESHOLD = 16384, DEFAULT_MAX_MAP_COUNT = 65530 };
/* LuaJIT's biggest objects the report lists (ngx-lua-gc --top N for more) */
enum { REPORT_LUA_TOP = 5 };

static const struct column size_columns[] = {
    { "size", "size", VAL_TEXT, 0, TEXT_ONLY },
    { "from_bytes", "from", VAL_BYTES, 0, JSON_ONLY },
    { "to_bytes", "to", VAL_BYTES, 0, JSON_ONLY },
    { "chunk_count", "chunks", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "in_use_percent", "% in use", VAL_PERCENT, 0, IN_BOTH },
};

/* What no pool accounts for, by chunk size: every in-use chunk of the walk
 * less the chunks of the pools' blocks and large allocations. */
static void not_pooled_by_size(struct result *r, const struct report_facts *f)
{
    uint64_t in_use = f->heap->cls[CH_IN_USE].bytes;
    result_table(r, "not_pooled_by_size", "In use outside nginx's pools, by chunk size:",
                 size_columns, ARRAY_LEN(size_columns));
    result_chart(r, CHART_BARS, 0, 4, 0);
    for (int b = 0; b < SIZE_BUCKETS; b++) {
        const struct count_bytes *all = &f->heap->bucket[CH_IN_USE][b];
        const struct count_bytes *pooled = &f->census.pooled[b];
        uint64_t n = all->count > pooled->count ? all->count - pooled->count : 0;
        uint64_t bytes = all->bytes > pooled->bytes ? all->bytes - pooled->bytes : 0;
        if (!n)
            continue;
        struct value row[] = {
            glibc_bucket_label(r, b), val_bytes(1ull << b), val_bytes(2ull << b), val_count(n), val_bytes(bytes),
            val_percent(bytes, in_use),
        };
        result_row(r, row);
    }
}

static const struct column zone_columns[] = {
    { "name", "zone", VAL_INFERIOR, 0, IN_BOTH },
    { "owner", "owner", VAL_INFERIOR, 2, IN_BOTH },
    { "bytes", "size", VAL_BYTES, 0, IN_BOTH },
    { "loaded_bytes", "loaded", VAL_BYTES, 0, IN_BOTH },
    { "loaded_percent", "% loaded", VAL_PERCENT, 1, IN_BOTH },
};

static void zones_section(struct result *r, const struct report_facts *f)
{
    result_table(r, "zones", "Shared zones (loaded: in RAM, whichever process touched it):",
                 zone_columns, ARRAY_LEN(zone_columns));
    result_chart(r, CHART_FILL, 0, 3, 2);
    uint64_t size = 0, loaded = 0;
    for (int i = 0; i < f->nzones; i++) {
        const struct ngx_zone *z = &f->zones[i];
        const struct zone_report *zr = &f->zone_pages[i];
        bool known = zr->pages.backed && zr->method != RES_UNAVAILABLE;
        uint64_t l = zr->pages.loaded * f->page_size;
        size += z->size_ok ? z->size : 0;   /* each below 2^47: no wrap */
        loaded += known ? l : 0;
        struct value row[] = { val_inferior(r, &z->name), val_inferior(r, &z->owner),
                               z->size_ok ? val_bytes(z->size) : val_none(),
                               known ? val_bytes(l) : val_none(),
                               known ? val_percent(l, z->size) : val_none() };
        result_row(r, row);
    }
    struct value total[] = { val_text(r, "total"), val_none(), val_bytes(size),
                             val_bytes(loaded), val_percent(loaded, size) };
    result_total(r, total);
}

/* The heap map's owners: the claims of the census and the owner graph. */
static const struct heap_map_overlay owners_overlay = {
    NULL, NULL, OWNERS_MAP_CHARS,
    OWNERS_MAP_LEGEND ", # other in use, . free (bins), f fastbin, t tcache, _ top, "
    "| fencepost, T top chunk starts",
};

/* A reload allocates the new configuration before it frees the old: in a
 * master, the heap in use is that configuration, so placing it again
 * (glibc's rules) in the heap as it is says what the next reload adds. */
static void reload_section(struct result *r, const struct report_facts *f)
{
    const struct placement_prediction *p = &f->reload;
    char a[32], b[32];
    result_facts(r, "reload", "The next reload (a configuration as big as this one):");
    result_fact(r, "allocated_bytes", "allocated again", val_bytes(p->demand_bytes),
                "the main arena's heap in use, before the old one is freed");
    result_fact(r, "allocated_chunks", "in chunks", val_count(p->demand_chunks), NULL);
    result_fact(r, "into_free_bytes", "into free chunks", val_bytes(p->fit_bytes),
                "best fit, split; %s free", format_bytes(p->free_bytes, a, sizeof a));
    result_fact(r, "into_top_bytes", "into the top chunk", val_bytes(p->top_bytes), NULL);
    result_fact(r, "mmapped_bytes", "mmapped instead", val_bytes(p->mmapped_bytes),
                "at the mmap threshold, when neither a free chunk nor the top holds it");
    result_fact(r, "growth_bytes", "heap growth", val_bytes(p->growth_bytes),
                "from %s to %s, and the build's temporaries", format_bytes(f->heap_bytes, a, sizeof a),
                format_bytes(f->heap_bytes + p->growth_bytes, b, sizeof b));
    result_fact(r, "heap_after_bytes", "heap after the reload",
                val_bytes(f->heap_bytes + p->growth_bytes),
                "the old configuration's chunks then become free holes");
    result_fact(r, "restart_heap_bytes", "restarted, after a reload",
                val_bytes(f->as_now[0].growth_bytes + f->as_now[1].growth_bytes),
                "the heap of a new nginx with this configuration after its first reload");
    result_fact(r, "mmap_restart_heap_bytes", "the same, mmap 16 KiB",
                val_bytes(f->mmap[0].growth_bytes + f->mmap[1].growth_bytes),
                "started with GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16384");
    result_fact(r, "mmap_mmapped_bytes", "mmapped then", val_bytes(f->mmap[0].mmapped_bytes),
                "a configuration's chunks of 16 KiB and more, each unmapped when freed");
    result_fact(r, "mmap_mapped_bytes", "their mappings", val_bytes(f->mmap[0].mmapped_mapped),
                "whole pages");
}

static const struct column slab_columns[] = {
    { "slot", "zone, slot", VAL_TEXT, 0, TEXT_ONLY },
    { "zone", "zone", VAL_INFERIOR, 0, JSON_ONLY },
    { "slot_bytes", "slot", VAL_BYTES, 0, JSON_ONLY },
    { "page_count", "pages", VAL_COUNT, 0, IN_BOTH },
    { "used_count", "used slots", VAL_COUNT, 0, IN_BOTH },
    { "free_count", "free slots", VAL_COUNT, 0, IN_BOTH },
    { "used_bytes", "used bytes", VAL_BYTES, 0, IN_BOTH },
};

/* Each zone's slab allocations by slot size (as ngx-shm-slabs shows one
 * zone): what fills it. */
static void zone_slabs_section(struct result *r, const struct report_facts *f)
{
    result_table(r, "zone_slabs", "Zone allocations by slot size (slab allocator):",
                 slab_columns, ARRAY_LEN(slab_columns));
    result_chart(r, CHART_BARS, 0, 6, 0);
    for (int i = 0; i < f->nzones; i++) {
        const struct slab_report *sr = &f->zone_pages[i].slabs;
        char name[TEXT_OUT], size[32];
        text_terminal(&f->zones[i].name, name);
        if (f->zones[i].slab_ok && !f->zone_pages[i].have_slabs)
            result_warning(r, "zone %s: %s", name, f->zone_pages[i].slab_err);
        if (!f->zone_pages[i].have_slabs)
            continue;
        if (sr->inconsistency[0])
            result_warning(r, "zone %s: inconsistent: %s", name, sr->inconsistency);
        for (int k = 0; k < sr->nslots; k++) {
            const struct slab_slot *t = &sr->slots[k];
            if (!t->pages)
                continue;
            struct value row[] = { val_text(r, "%s %s", name, format_bytes(t->size, size, sizeof size)),
                                   val_inferior(r, &f->zones[i].name), val_bytes(t->size),
                                   val_count(t->pages), val_count(t->used),
                                   val_count(t->total - t->used), val_bytes(t->used * t->size) };
            result_row(r, row);
        }
    }
}

/* Zone Z's slabs and, by its module's reader, entries into ZR (as
 * ngx-shm-entries reads them: until two passes agree). */
static void read_zone_entries(const struct mem_reader *m, const struct nginx_state *st,
                              const struct ngx_zone *z, const struct zone_clock *clock,
                              struct zone_report *zr)
{
    static struct zone_reading d;
    if (!z->slab_ok)
        return;
    zr->reads = zone_entries_read_stable(m, st, z, clock, 0, &d, zr->entries_err,
                                         sizeof zr->entries_err);
    if (zr->reads) {
        zr->have_slabs = true;
        zr->slabs = d.slabs;
        zr->kind = d.entries.kind;
        zr->have_entries = d.entries.kind != ZK_UNKNOWN;
        zr->entry_count = d.entries.entry_count;
        zr->asked_bytes = d.entries.asked_bytes;
        zr->slot_bytes = d.entries.slot_bytes;
        zr->expired_count = d.entries.expired_count;
        zr->have_cache_conf = d.entries.have_cache_conf;
        zr->cache_blocks = d.entries.cache_size_blocks;
        zr->cache_max_blocks = d.entries.cache_max_blocks;
        zr->cache_bsize = d.entries.cache_bsize;
        return;
    }
    zr->kind = zone_kind_of(z);
    zr->have_slabs = nginx_slab_report(m, st, z, &zr->slabs, zr->slab_err, sizeof zr->slab_err);
}

static const struct column entries_columns[] = {
    { "zone", "zone", VAL_INFERIOR, 0, IN_BOTH },
    { "kind", "read as", VAL_ID, 3, IN_BOTH },
    { "entry_count", "entries", VAL_COUNT, 0, IN_BOTH },
    { "asked_bytes", "allocated", VAL_BYTES, 0, IN_BOTH },
    { "wasted_bytes", "rounding", VAL_BYTES, 2, IN_BOTH },
    { "expired_count", "expired", VAL_COUNT, 4, IN_BOTH },
    { "free_bytes", "free", VAL_BYTES, 0, IN_BOTH },
    { "largest_alloc_bytes", "largest alloc", VAL_BYTES, 1, IN_BOTH },
    { "consistent", "consistent", VAL_BOOL, 5, JSON_ONLY },
};

/* What each zone holds, read as its module lays it out (ngx-shm-entries
 * shows one zone in full), and the largest allocation it can still make. */
static void zone_entries_section(struct result *r, const struct report_facts *f)
{
    result_table(r, "zone_entries", "Zone entries (read by each zone's module):",
                 entries_columns, ARRAY_LEN(entries_columns));
    result_chart(r, CHART_BARS, 0, 3, 0);
    for (int i = 0; i < f->nzones; i++) {
        const struct zone_report *zr = &f->zone_pages[i];
        char name[TEXT_OUT];
        if (zr->kind != ZK_UNKNOWN && !zr->reads && zr->entries_err[0])
            result_warning(r, "zone %s: its entries: %s", text_terminal(&f->zones[i].name, name),
                           zr->entries_err);
        if (!zr->have_slabs)
            continue;
        bool e = zr->have_entries;
        const struct slab_report *sr = &zr->slabs;
        struct value row[] = { val_inferior(r, &f->zones[i].name), val_id(zone_kind_ids[zr->kind]),
                               e ? val_count(zr->entry_count) : val_none(),
                               e ? val_bytes(zr->asked_bytes) : val_none(),
                               e ? val_bytes(zr->slot_bytes - zr->asked_bytes) : val_none(),
                               e ? val_count(zr->expired_count) : val_none(),
                               val_bytes(sr->free_pages * sr->pagesize),
                               val_bytes(slab_largest_alloc(sr)), val_bool(zr->reads > 0) };
        result_row(r, row);
        if (zr->reads < 0)
            result_note(r, "zone %s changed while it was read (%d reads, no two alike)",
                        text_terminal(&f->zones[i].name, name), -zr->reads);
    }
}

/* The page's title: which process, of which nginx, where and when. */
static void report_title(struct result *r, const struct nginx_state *st, pid_t pid)
{
    static const char *const kinds[] = { "single process", "master", "signaller", "worker",
                                         "helper" };
    char version[TEXT_OUT], host[256] = "", when[64] = "", core[1024], core_shown[1024];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
    if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "?");
    char safe_host[512];
    const char *kind = st->process >= 0 ? kinds[st->process] : "process";
    /* when and where, for ngx-trend (the JSON's; text has them in the title) */
    char iso[32];
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    result_facts(r, "report", NULL)->verbose = true;
    result_fact(r, "time", "time", val_text(r, "%s", iso), NULL);
    result_fact(r, "host", "host", val_text(r, "%s", text_safe(host, safe_host, sizeof safe_host)),
                NULL);
    if (pid)
        result_title(r, "nginx %s %s %d on %s, %s",
                     st->version.len ? text_terminal(&st->version, version) : "(version unknown)",
                     kind, (int)pid, text_safe(host, safe_host, sizeof safe_host), when);
    else
        result_title(r, "nginx %s %s, core %s, read on %s, %s",
                     st->version.len ? text_terminal(&st->version, version) : "(version unknown)",
                     kind, target_open_core(core, sizeof core)
                               ? text_safe(core, core_shown, sizeof core_shown) : "?",
                     text_safe(host, safe_host, sizeof safe_host), when);
}

/* The page's headline (HTML only, before everything): the RSS and its
 * biggest parts, the heap in a line, then the suggestions follow. */
static void headline(struct result *r, const struct report_facts *f,
                     const struct rss_breakdown *b)
{
    char a[32], c[32], d[32], parts[512] = "";
    struct block *blk = result_paragraphs(r, "headline", "In short:");
    blk->lead = blk->html_only = true;
    if (f->have_rss) {
        bool taken[RSS_COUNT] = { false };
        size_t n = 0;
        for (int k = 0; k < 3; k++) {
            int best = -1;
            for (int i = 0; i < RSS_COUNT; i++)
                if (!taken[i] && b->parts[i].rss && (best < 0 || b->parts[i].rss > b->parts[best].rss))
                    best = i;
            if (best < 0)
                break;
            taken[best] = true;
            n += (size_t)snprintf(parts + n, sizeof parts - n, "%s%s: %s (%.0f%%)",
                                  k ? "; " : "", rss_category_labels[best],
                                  format_bytes(b->parts[best].rss, a, sizeof a),
                                  b->rollup_rss ? 100.0 * (double)b->parts[best].rss /
                                                      (double)b->rollup_rss : 0.0);
            if (n >= sizeof parts)
                break;
        }
        result_paragraph(r, "rss", "%s %s. The biggest parts: %s.",
                         b->from_core ? "The core holds" : "Resident memory (RSS)",
                         format_bytes(b->rollup_rss, a, sizeof a), parts);
    }
    if (!f->heap)
        result_paragraph(r, "heap", "malloc here is %s's, not glibc's: its heap is not "
                         "analysed (nginx's pools, zones and Lua are).", f->allocator);
    else
        result_paragraph(r, "heap", "The glibc heap: %s in use, %s free of which %s lies below the "
                     "top (trapped); malloc_trim would return %s.",
                     format_bytes(f->heap->cls[CH_IN_USE].bytes, a, sizeof a),
                     format_bytes(glibc_free_bytes(f->heap, true), c, sizeof c),
                     format_bytes(glibc_free_bytes(f->heap, false), d, sizeof d),
                     format_bytes(f->heap->trimmable, parts, sizeof parts));
    const struct owner_row *top = f->owners ? owners_biggest(f->owners) : NULL;
    if (top) {
        const struct owner_class *c = &f->owners->graph.classes[top->cls];
        char module[4 * OWNER_MODULE_MAX + 8];
        text_safe(c->module, module, sizeof module);
        result_paragraph(r, "heap_owner", "Its biggest owner: %s%s%s%s%s%s%s, %s (%.0f%% of the "
                         "heap in use).", owner_words(c->owner), c->module[0] ? " " : "", module,
                         c->level[0] ? " " : "", c->level, top->type ? ", " : "",
                         top->type ? owner_type_names[top->type] : "",
                         format_bytes(top->bytes, a, sizeof a),
                         f->owners->ix.used_bytes
                             ? 100.0 * (double)top->bytes / (double)f->owners->ix.used_bytes : 0.0);
    }
    if (f->have_reload)
        result_paragraph(r, "reload", "The next reload grows the heap by %s.",
                         format_bytes(f->reload.growth_bytes, a, sizeof a));
}

/* SSL_CTX objects held by a module's configurations, when they are a big
 * part of the heap in use: what they cost and what to do. The lua module
 * before 0.10.26 creates one for every server and location block while
 * merging its configuration (ngx_http_lua_merge_loc_conf ->
 * ngx_http_lua_set_ssl -> ngx_ssl_create), unconditionally; 0.10.26
 * (commit 592a91c1, "optimize: Optimized use of SSL contexts") lets a
 * block without lua_ssl_* directives of its own share its parent's. */
static int ssl_ctx_suggestion(struct result *r, const struct report_facts *f)
{
    const struct owner_class *c;
    if (!f->owners)
        return 0;
    const struct owner_row *row = owners_biggest_typed(f->owners, OT_SSL_CTX, &c);
    uint64_t in_use = f->owners->ix.used_bytes;
    if (!row || !row->objects || row->bytes < MiB || row->bytes * 10 < in_use)
        return 0;
    char a[32], b[32], d[32], e[32];
    char module[4 * OWNER_MODULE_MAX + 8];   /* a name from the process, escaped */
    text_safe(c->module, module, sizeof module);
    format_count(row->objects, d, sizeof d);
    uint64_t each = row->bytes / row->objects;
    bool lua = strcmp(c->module, "ngx_http_lua_module") == 0;
    result_paragraph(r, "ssl_ctx_per_location",
                     "OpenSSL SSL_CTX objects held by %s's %s configurations take %s of the heap "
                     "(%.0f%% of it in use): %s contexts, %s each with what they hold, made "
                     "again by every reload (two sets while it runs).%s%s Without them the heap "
                     "in use is %s smaller (what they alone hold).",
                     module, c->level, format_bytes(row->bytes, a, sizeof a),
                     100.0 * (double)row->bytes / (double)in_use, d,
                     format_bytes(each, b, sizeof b),
                     lua ? " lua-nginx-module before 0.10.26 creates one for every server and "
                           "location block while merging its configuration "
                           "(ngx_http_lua_merge_loc_conf -> ngx_http_lua_set_ssl), whether Lua "
                           "uses TLS there or not, and no directive avoids it: from 0.10.26 "
                           "(commit 592a91c1; OpenResty 1.25.3.1, Debian 13's package) a block "
                           "without lua_ssl_* directives of its own shares its parent's. "
                           "Upgrade the lua module; until then keep the server and location "
                           "blocks few in an nginx that loads it, and do not load it in one "
                           "that runs no Lua."
                         : "",
                     lua && each >= 256 * KiB
                         ? " Each context also holds a CA bundle: lua_ssl_trusted_certificate "
                           "at the http level is loaded into every one; set it only in the "
                           "blocks whose Lua code makes TLS connections."
                         : "",
                     format_bytes(row->retained, e, sizeof e));
    return 1;
}

/* Zone Z (ZR) has less than a tenth of its pages free: what its module
 * does when none is left, and what the entries say of it. */
static void zone_full_suggestion(struct result *r, const struct ngx_zone *z,
                                 const struct zone_report *zr)
{
    const struct slab_report *sr = &zr->slabs;
    uint64_t free_bytes = sr->free_pages * sr->pagesize;
    char name[TEXT_OUT], a[32], b[32], c[32];
    text_terminal(&z->name, name);
    format_bytes(free_bytes, a, sizeof a);
    format_bytes(z->size, b, sizeof b);
    /* the entries' own share of the zone: how many more would fit */
    uint64_t per = zr->entry_count ? zr->slot_bytes / zr->entry_count : 0;
    if (zr->have_entries && zr->kind == ZK_LIMIT_REQ && per) {
        result_paragraph(r, "limit_req_zone_full",
                         "Zone %s (limit_req) tracks %llu clients and has %s of free pages left "
                         "of its %s: about %llu more fit. Then each new client evicts the client "
                         "seen least recently (and up to two more idle for over a minute): their "
                         "limits start over; when that frees nothing, the request is refused as "
                         "limited (503). Each client takes "
                         "%llu bytes: %llu clients need about %s.",
                         name, (unsigned long long)zr->entry_count, a, b,
                         (unsigned long long)(free_bytes / per), (unsigned long long)per,
                         (unsigned long long)(zr->entry_count * 2),
                         format_bytes(zr->entry_count * 2 * per, c, sizeof c));
        return;
    }
    if (zr->have_entries && zr->kind == ZK_FILE_CACHE && per && zr->have_cache_conf &&
        zr->cache_blocks < zr->cache_max_blocks / 10 * 9) {
        uint64_t disk = zr->cache_blocks * zr->cache_bsize, max = zr->cache_max_blocks * zr->cache_bsize;
        /* the keys max_size would hold, at the entries' average size on disk */
        uint64_t want = zr->cache_blocks ? zr->entry_count * (max / (disk ? disk : 1)) * per : 0;
        char d[32], e[32];
        result_paragraph(r, "cache_keys_full",
                         "Zone %s (a cache's keys_zone) holds %llu keys and has %s of free pages "
                         "left of its %s, while the cache holds %s on disk of its max_size %s: "
                         "the keys zone fills first, and then the cache manager removes the "
                         "least recently used entries although the disk has room. Each key "
                         "takes %llu bytes of the zone%s%s.",
                         name, (unsigned long long)zr->entry_count, a, b,
                         format_bytes(disk, d, sizeof d), format_bytes(max, e, sizeof e),
                         (unsigned long long)per, want ? ": max_size needs about " : "",
                         want ? format_bytes(want, c, sizeof c) : "");
        return;
    }
    result_paragraph(r, "zone_near_full",
                     "Zone %s has %s of free pages left of its %s: when no page is free, "
                     "new entries evict old ones (lua_shared_dict: least recently used; "
                     "limit_req and others: failed allocations). A bigger zone costs RAM "
                     "only as it fills.",
                     name, a, b);
}

/* Each suggestion names the figure that triggered it. */
static void suggestions(struct result *r, const struct report_facts *f,
                        const struct rss_breakdown *b)
{
    char a[32], c[32], d[32];
    int n = 0;
    result_paragraphs(r, "suggestions", "Suggestions:")->lead = true;
    n += ssl_ctx_suggestion(r, f);
    uint64_t cycle = f->ncycles > 0 ? f->census.kinds[PK_CYCLE].bytes : 0;
    uint64_t old = f->census.kinds[PK_OLD_CYCLE].bytes;
    uint64_t trapped = f->heap ? glibc_free_bytes(f->heap, false) : 0;
    uint64_t trimmable = f->heap ? f->heap->trimmable : 0;
    if (f->have_rss && b->parts[RSS_GLIBC_FREE].rss >= 8 * MiB) {
        n++;
        const char *who = f->worker && f->lua
            ? "In a worker the lua module does it every N requests (lua_malloc_trim N, in "
              "the http block; 1000 unless set, 0 turns it off): a smaller N keeps less."
            : f->worker ? "nginx itself never calls it."
            : "nginx never calls it in the master (the lua module's lua_malloc_trim counts "
              "requests, which only workers serve).";
        result_paragraph(r, "free_heap_resident",
                         "%s of this process's RSS is free glibc heap (pages under free chunks, "
                         "left by freed pools such as an old cycle's). malloc_trim gives back "
                         "such pages: %s of free heap, computed as glibc does for "
                         "malloc_trim(0). %s",
                         format_bytes(b->parts[RSS_GLIBC_FREE].rss, a, sizeof a),
                         format_bytes(trimmable, c, sizeof c), who);
    }
    if (cycle >= 4 * MiB && trapped >= cycle / 2 && f->have_reload) {
        char e[4][32], mappings[32], limit[32];
        n++;
        const struct placement_prediction *now = f->as_now, *mm = f->mmap;
        format_count(mm[0].mmapped_chunks + mm[1].mmapped_chunks, mappings, sizeof mappings);
        format_count(DEFAULT_MAX_MAP_COUNT, limit, sizeof limit);
        result_paragraph(r, "cycle_pool_mmap",
                         "The configuration (cycle pool) takes %s and %s of free heap is trapped "
                         "below the top: each reload allocates a new cycle before freeing the old "
                         "one, so the old cycle's blocks stay as holes. Predicted for this "
                         "configuration (glibc's placement replayed on this process's chunks): "
                         "restarted as it is (mmap threshold %s), nginx holds a %s heap after "
                         "its first reload; started with "
                         "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=16384 in its environment, "
                         "%s of its chunks (those of 16 KiB and more) are mmapped each instead "
                         "(%s as whole pages), unmapped when their configuration is freed, and "
                         "the heap after the first reload is %s. During a reload that is up to "
                         "%s mmapped chunks (the kernel merges neighbours; vm.max_map_count: %s "
                         "mappings unless raised).%s",
                         format_bytes(cycle, a, sizeof a), format_bytes(trapped, c, sizeof c),
                         format_bytes(f->threshold, d, sizeof d),
                         format_bytes(now[0].growth_bytes + now[1].growth_bytes, e[0], 32),
                         format_bytes(mm[0].mmapped_bytes, e[1], 32),
                         format_bytes(mm[0].mmapped_mapped, e[2], 32),
                         format_bytes(mm[0].growth_bytes + mm[1].growth_bytes, e[3], 32),
                         mappings, limit,
                         mm[0].mmapped_chunks + mm[1].mmapped_chunks > DEFAULT_MAX_MAP_COUNT / 2
                             ? " That is near the limit: raise it before setting the threshold."
                             : "");
    }
    if (f->have_reload && f->reload.growth_bytes >= 8 * MiB) {
        n++;
        result_paragraph(r, "reload_grows_heap",
                         "The next reload will grow the heap by %s: the free chunks hold %s of "
                         "the %s it allocates again. Once the heap has room for two "
                         "configurations, later reloads reuse it; RSS stays that high.",
                         format_bytes(f->reload.growth_bytes, a, sizeof a),
                         format_bytes(f->reload.fit_bytes, c, sizeof c),
                         format_bytes(f->reload.demand_bytes, d, sizeof d));
    }
    if (cycle >= 64 * MiB) {
        n++;
        result_paragraph(r, "dynamic_configuration",
                         "The configuration alone is %s: every reload copies it. Loading "
                         "virtual hosts dynamically (one server block routing by host, e.g. in "
                         "Lua) keeps the cycle small.",
                         format_bytes(cycle, a, sizeof a));
    }
    if (old > 0) {
        n++;
        result_paragraph(r, "old_cycles",
                         "%s is held by old cycles (a reload in progress, or connections that "
                         "keep an old cycle alive).",
                         format_bytes(old, a, sizeof a));
    }
    uint64_t unloaded = 0;
    for (int i = 0; i < f->nzones; i++) {
        const struct ngx_zone *z = &f->zones[i];
        const struct zone_report *zr = &f->zone_pages[i];
        if (!zr->pages.backed || zr->method == RES_UNAVAILABLE)
            continue;
        uint64_t l = zr->pages.loaded * f->page_size;
        unloaded += z->size - (l < z->size ? l : z->size);
        char name[TEXT_OUT];
        bool oversized = z->size >= 8 * MiB && l * 10 < z->size;
        if (!oversized && l * 10 < z->size * 9)
            continue;
        n++;
        result_paragraph(r, oversized ? "zone_oversized" : "zone_nearly_loaded",
                         oversized ? "Zone %s is %s but only %s of it is loaded: it costs no RAM "
                                     "until used, but a smaller size bounds what it can grow to."
                                   : "Zone %s is %s and %s of it is loaded: as it fills, RSS grows "
                                     "up to its size and stops (not a leak); if it is full, "
                                     "entries are evicted.",
                         text_terminal(&z->name, name), format_bytes(z->size, a, sizeof a),
                         format_bytes(l, c, sizeof c));
    }
    for (int i = 0; i < f->nzones; i++) {
        const struct slab_report *sr = &f->zone_pages[i].slabs;
        uint64_t free_bytes = sr->free_pages * sr->pagesize, size = f->zones[i].size;
        if (!f->zone_pages[i].have_slabs || free_bytes * 10 >= size)
            continue;
        n++;
        zone_full_suggestion(r, &f->zones[i], &f->zone_pages[i]);
    }
    for (int i = 0; i < f->nzones; i++) {
        const struct slab_report *sr = &f->zone_pages[i].slabs;
        uint64_t free_bytes = sr->free_pages * sr->pagesize, largest = slab_largest_alloc(sr);
        if (!f->zone_pages[i].have_slabs || free_bytes < 64 * 1024 || largest * 4 > free_bytes)
            continue;
        char name[TEXT_OUT];
        n++;
        result_paragraph(r, "zone_fragmented",
                         "Zone %s has %s free but in %llu runs of pages, the longest %llu pages: "
                         "an allocation over %s fails there now (a lua_shared_dict value then "
                         "evicts entries to make room; other modules fail the request's "
                         "allocation), although the zone is not full. Entries of many sizes "
                         "freed in turn leave such holes: a bigger zone, or values of fewer "
                         "sizes, avoids it.",
                         text_terminal(&f->zones[i].name, name), format_bytes(free_bytes, a, sizeof a),
                         (unsigned long long)sr->free_runs,
                         (unsigned long long)sr->largest_free_run, format_bytes(largest, c, sizeof c));
    }
    if (unloaded >= 64 * MiB) {
        n++;
        result_paragraph(r, "gcore_loads_zones",
                         "gcore reads every page of every zone: making a core of this process "
                         "would load %s of zone pages that are not in RAM now (use ngx-report "
                         "or ngx-shm-pages on the live process instead).",
                         format_bytes(unloaded, d, sizeof d));
    }
    if (!n)
        result_paragraph(r, "none", "Nothing stands out.");
}

static const struct option_def report_options[] = {
    { "--html", OPT_FILE, "FILE", 0, 0 },
    { "--save", OPT_FILE, "FILE", 0, 0 },
    { "--metrics", OPT_FILE, "FILE", 0, 0 },
    { "--diff", OPT_FILE, "OLD", 0, 0 },
};

static const struct command_def report_def = {
    "ngx-report", "Where an nginx process's memory went, and what to do about it.", NULL, 0, 0,
    report_options, ARRAY_LEN(report_options), COMMON_OUTPUT,
    "One command, one heap walk: the resident memory by what it is (live process;\n"
    "as ngx-mem-breakdown), the glibc heap (free, trapped, what malloc_trim\n"
    "returns), the heap in use by owner and its map coloured by owner, the\n"
    "shared zones (size, loaded, slab slots), LuaJIT's objects by type and its 5\n"
    "biggest with their paths (as ngx-lua-gc), in a master the next reload (its\n"
    "heap in use placed again by glibc's best fit before the old is freed: the\n"
    "heap's growth), and suggestions naming the figure behind each. On a master\n"
    "or a worker. Where malloc is not glibc's (jemalloc, tcmalloc, mimalloc\n"
    "preloaded) the report names the allocator and gives all but the heap.\n"
    "The owners: every in-use chunk (heap and mmapped) belongs to the first of\n"
    "these whose memory reaches it (any aligned word pointing inside it holds it):\n"
    "1. each module's configurations, by level; 2. a worker's connections and\n"
    "events; 3. each kind of pool's memory (its blocks are that kind's: cycle,\n"
    "old cycle, connection, request, other); 4. the Lua VM; 5. each loaded\n"
    "object's data and bss; 6. thread stacks, then registers; 7. other anonymous\n"
    "memory (\"unattributed\"). What none reaches\n"
    "is leaked (glibc-leaks lists it; glibc-chunk-refs ADDR shows what holds a\n"
    "chunk). A row also says the type of what its owner holds (OpenSSL SSL_CTX,\n"
    "PCRE2 code, zlib state: by content) and the bytes only it holds (retained).\n"
    "--html FILE writes one self-contained page with the charts (nothing fetched);\n"
    "--save FILE writes the report as JSON to FILE; --diff OLD adds what grew and\n"
    "shrank since the report saved in OLD (e.g. before and after a reload). Files\n"
    "are checked before the process is read: never written through a symbolic\n"
    "link or into anything but a regular file; they appear whole (0644, --save\n"
    "0600), and --diff reads OLD before --save may replace it. --metrics FILE writes\n"
    "the figures as gauges in the Prometheus/OpenMetrics text format (for\n"
    "node_exporter's textfile collector: RSS by part, heap by figure and owner,\n"
    "zones' size, loaded pages and entries, the Lua GC; a pid label on each).\n",
    "Example: ngx-report --html /tmp/report.html\n"
    "Example: ngx-report --save before.json --diff before.json\n"
    "Example: ngx-report --metrics /var/lib/node_exporter/nginx.prom",
};

/* Another allocator's process: which one, and the configuration pools'
 * blocks (the pools' own figures; what their large allocations occupy is
 * that allocator's to say). */
static void allocator_facts(struct result *r, const struct heap_allocator *a, const char *why,
                            const struct named_pool *cycles, int ncycles)
{
    struct nginx_pool_stats t;
    nginx_cycle_pools_sum(cycles, ncycles, &t);
    result_facts(r, "allocator", "The allocator:");
    result_fact(r, "name", "malloc", val_id(a->name), "%s is defined at 0x%llx", a->symbol,
                (unsigned long long)a->symbol_addr);
    result_fact(r, "cycle_pool_block_bytes", "cycle pools' blocks", val_bytes(t.block_bytes),
                "%llu blocks, %llu large allocations of sizes unknown",
                (unsigned long long)t.blocks, (unsigned long long)t.large_count);
    result_fact(r, "cycle_pool_used_bytes", "used in them", val_bytes(t.used_bytes), NULL);
    result_note(r, "glibc heap not analysed (%s): its mappings count as other anonymous "
                "memory", why);
}

/* One walk of the glibc heap: statistics, pool headers, free-but-resident
 * pages, the map, the owners' index, the next reload's placement. */
static void report_heap_walk(struct report_session *s, struct report_facts *f,
                             const struct nginx_state *st, const struct named_pool *cycles,
                             bool master, const char *cmd)
{
    struct glibc_heap *h = &s->glibc.heap;
    char err[512];
    pool_census_begin(&s->census, h, st);
    struct chunk_fanout also = { 0 };
    chunk_fanout_add(&also, pool_census_chunk, &s->census);
    if (f->have_rss)
        breakdown_follow_walk(&s->rss, h, &also);
    /* the main arena's map, at most 512 cells a segment, owners after */
    if (h->narenas > 0) {
        if (!heap_map_begin(&s->map, h, 0, 0, 512, &owners_overlay, err, sizeof err))
            ngxmem_error("%s: %s", cmd, err);
        chunk_fanout_add(&also, heap_map_chunk, &s->map);
    }
    struct pool_claims pool_claims = { &s->claims };
    pool_census_follow(&s->census, pool_claims_chunk, &pool_claims);
    /* who owns each chunk: the index and the http contexts in this walk */
    owners_begin(&s->owners, &s->glibc, st, f->have_rss ? &s->rss.smaps : NULL, &also, cmd);
    /* reloads happen in the master; a worker never builds a cycle */
    bool predict = master && h->narenas > 0;
    if (predict) {
        f->threshold = h->st.mp ? h->st.mmap_threshold : GLIBC_DEFAULT_MMAP_THRESHOLD;
        if (!glibc_placement_begin(&s->placement, 0, f->threshold, st->pagesize))
            ngxmem_error("%s: out of memory", cmd);
        chunk_fanout_add(&also, glibc_placement_chunk, &s->placement);
    }
    glibc_session_walk_stats_with(&s->glibc, cmd, -1, &also);
    /* pools whose first block is an mmapped chunk (a low mmap threshold) */
    owners_mmapped_chunks(&s->owners, pool_census_chunk, &s->census);
    if (!pool_census_finish(&s->census, cycles, f->ncycles, &f->census, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    f->heap = &s->glibc.stats.total;
    if (predict) {
        uint64_t top_pad = h->st.mp ? h->st.top_pad : GLIBC_DEFAULT_TOP_PAD;
        if (!glibc_placement_predict(&s->placement, top_pad, st->pagesize, &f->reload) ||
            !glibc_placement_fresh(&s->placement, f->threshold, top_pad, st->pagesize,
                                   &f->as_now[0], &f->as_now[1]) ||
            !glibc_placement_fresh(&s->placement, SUGGESTED_MMAP_THRESHOLD, top_pad,
                                   st->pagesize, &f->mmap[0], &f->mmap[1]))
            ngxmem_error("%s: out of memory", cmd);
        f->have_reload = true;
        f->heap_bytes = h->arenas[0].system_mem;
    }
}

static void ngx_report_command(const char *args, int from_tty)
{
    (void)from_tty;
    static const char cmd[] = "ngx-report";
    struct report_session s __attribute__((cleanup(report_session_release)));
    memset(&s, 0, sizeof s);
    RESULT(r);
    char err[512], why[256] = "", rss_why[256] = "";
    if (!glibc_session_begin(&s.glibc, &report_def, args))
        return;
    struct output_options o = output_options(&s.glibc.opts);
    const char *save = opt_text(&s.glibc.opts, "--save");
    const char *diff = opt_text(&s.glibc.opts, "--diff");
    const char *html = opt_text(&s.glibc.opts, "--html");
    const char *metrics = opt_text(&s.glibc.opts, "--metrics");
    /* before the process is read: a path that cannot be written fails now,
     * and the baseline is read before --save may replace it */
    if (diff && !(s.baseline = report_diff_load(diff, err, sizeof err)))
        ngxmem_error("%s: --diff %s", cmd, err);
    command_open_output(&s.save, cmd, "--save", save, 0600);
    command_open_output(&s.html, cmd, "--html", html, 0644);
    command_open_output(&s.metrics, cmd, "--metrics", metrics, 0644);
    struct report_facts f = { 0 };
    pid_t pid = target_traced_pid();
    enum residency_source source = residency_source_of(pid);
    bool live = pid && source == SOURCE_LIVE;
    /* the kernel's figures before any read of the inferior (see
     * ngx-mem-breakdown) */
    f.have_rss = breakdown_begin_target(&s.rss, live ? pid : 0, rss_why, sizeof rss_why);
    /* another allocator's process: what needs no glibc heap is reported */
    char heap_err[512];
    bool heap = glibc_session_try_heap(&s.glibc, 0, heap_err, sizeof heap_err);
    struct heap_allocator alloc = { 0 };
    if (!heap) {
        heap_allocator_identify(&s.glibc.reader, &alloc);
        if (alloc.kind == HEAP_ALLOC_GLIBC || alloc.kind == HEAP_ALLOC_UNKNOWN)
            ngxmem_error("%s: %s", cmd, heap_err);
        f.allocator = alloc.name;
    }
    struct nginx_state st;
    if (!nginx_state_find(&s.glibc.reader, &st, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    static struct named_pool cycles[MAX_OLD_CYCLES + 2];
    /* the census walks them with every other pool */
    f.ncycles = heap ? nginx_cycle_pool_addresses(&s.glibc.heap.headers, &st, cycles,
                                                  MAX_OLD_CYCLES + 2, err, sizeof err)
                     : nginx_cycle_pools(&s.glibc.reader, &st, false, cycles,
                                         MAX_OLD_CYCLES + 2, err, sizeof err);
    if (f.ncycles < 0)
        ngxmem_error("%s: %s", cmd, err);
    char lua_err[160];
    struct nginx_lua_vm vm;
    bool have_lua = nginx_lua_vm(&s.glibc.reader, &st, &vm, lua_err, sizeof lua_err);
    f.lua = have_lua;
    char lua_seg_err[200] = "";
    uint64_t lua_segment_bytes = 0;
    bool have_lua_segments = have_lua && f.have_rss &&
        breakdown_lua_segments(&s.rss, &s.glibc.reader, &vm, &lua_segment_bytes, lua_seg_err,
                               sizeof lua_seg_err);
    /* what the GC holds, by type, and its biggest objects' paths */
    static struct lua_gc_census lua_census;
    static struct lua_gc_paths lua_paths;
    char lua_gc_err[512] = "";
    bool have_lua_gc = have_lua && lua_gc_gather(&s.glibc.reader, &vm, REPORT_LUA_TOP,
                                                 &lua_census, &lua_paths, lua_gc_err,
                                                 sizeof lua_gc_err);
    static struct lua_alloc_walked lua_alloc;
    lua_alloc.walked = have_lua && lua_alloc_walk(&s.glibc.reader, &vm, &lua_alloc.stats,
                                                  lua_alloc.why, sizeof lua_alloc.why);

    struct glibc_heap *h = &s.glibc.heap;
    bool master = st.process == NGX_PROCESS_MASTER || st.process == NGX_PROCESS_SINGLE;
    if (heap)
        report_heap_walk(&s, &f, &st, cycles, master, cmd);
    f.worker = st.process == NGX_PROCESS_WORKER;

    /* zones: headers read exactly, pages counted without touching them */
    nginx_zones_read(&s.glibc.reader, &st, &s.zones, cmd);
    f.nzones = s.zones.n;
    struct ngx_zone *zones = s.zones.v;
    struct zone_report *zone_pages = s.zone_pages =
        calloc((size_t)f.nzones + 1, sizeof *s.zone_pages);
    if (!zone_pages)
        ngxmem_error("%s: out of memory", cmd);
    f.page_size = st.pagesize;
    struct zone_clock clock = { 0 };
    if (f.nzones)
        zone_clock_read(&s.glibc.reader, live, &clock);
    for (int i = 0; i < f.nzones; i++) {
        char unbacked[160];
        zone_pages[i].method = zone_pages_count(&s.glibc.reader, pid, source, &zones[i],
                                                st.pagesize, &zone_pages[i].pages, unbacked,
                                                sizeof unbacked, why, sizeof why);
        read_zone_entries(&s.glibc.reader, &st, &zones[i], &clock, &zone_pages[i]);
    }
    if (f.have_rss)
        breakdown_zones(&s.rss, &s.zones, cmd);
    if (s.claims.oom)
        ngxmem_error("%s: out of memory", cmd);
    if (heap) {
        owners_run(&s.owners, &s.glibc, &st, have_lua ? &vm : NULL, &s.claims, NULL, NULL, 0,
                   NULL, NULL, cmd);
        /* the map's characters and the pools' RSS: from the same claims */
        if (h->narenas > 0)
            heap_map_claims(&s.map, &s.claims);
        if (f.have_rss)
            breakdown_claims(&s.rss, &s.claims);
    }
    f.zones = zones;
    f.zone_pages = zone_pages;
    if (f.have_rss)
        rss_breakdown_finish(&s.rss);
    gdb_reader_done(&s.glibc.progress);

    result_init(&r, cmd);
    report_title(&r, &st, live ? pid : 0);
    nginx_describe(&st, &r);
    if (heap)
        glibc_session_describe(&s.glibc, &r);
    else
        allocator_facts(&r, &alloc, heap_err, cycles, f.ncycles);
    if (f.have_rss)
        breakdown_result(&r, &s.rss, zones, f.nzones, "memory", "memory_parts");
    else
        result_note(&r, "no memory breakdown: %s", rss_why);
    if (have_lua) {
        result_facts(&r, "lua", "The Lua VM (LuaJIT):");
        result_fact(&r, "gc_bytes", "held by its GC", val_bytes(vm.gc_total),
                    "collectgarbage(\"count\")");
        result_fact(&r, "lua_state", "lua_State", val_address(vm.state), "%s", vm.layout);
        if (have_lua_segments)
            result_fact(&r, "segment_bytes", "allocator segments", val_bytes(lua_segment_bytes),
                        "mapped by LuaJIT's allocator; resident: LuaJIT's part of the memory");
        else if (f.have_rss)
            result_note(&r, "no LuaJIT memory part: %s", lua_seg_err);
        if (have_lua_gc) {
            lua_gc_by_type_table(&r, "lua_by_type", "LuaJIT's GC objects by type:", &lua_census);
            lua_gc_top_table(&r, "lua_top", "LuaJIT's biggest objects (ngx-lua-gc for more):",
                             &lua_census, &lua_paths);
            if (lua_alloc.walked)
                lua_alloc_result(&r, "lua_allocator", "lua_allocator_free_by_size",
                                 "LuaJIT's allocator (lj_alloc):", &lua_alloc.stats);
            if (lua_census.inconsistency[0])
                result_warning(&r, "LuaJIT's objects: inconsistent: %s; the figures are what "
                                   "was read before it", lua_census.inconsistency);
        } else {
            result_note(&r, "no LuaJIT objects by type: %s", lua_gc_err);
        }
    } else {
        result_note(&r, "Lua VM: %s", lua_err);
    }
    if (heap) {
        glibc_summary_facts(&r, "heap", "The glibc heap:", h, f.heap, -1);
        glibc_free_by_size_table(&r, f.heap);
        owners_table(&r, &s.owners);
        owners_describe(&r, &s.owners);
        if (h->narenas > 0)
            heap_map_emit(&s.map, &r);
        not_pooled_by_size(&r, &f);
    }
    zones_section(&r, &f);
    zone_slabs_section(&r, &f);
    zone_entries_section(&r, &f);
    if (f.have_reload)
        reload_section(&r, &f);
    else
        result_note(&r, "no reload prediction: %s", !heap ? "malloc is not glibc's" :
                    master ? "no main arena" :
                    st.process < 0 ? "ngx_process unreadable" :
                    "reloads build the new configuration in the master; this is not it");
    f.owners = heap ? &s.owners : NULL;
    headline(&r, &f, &s.rss);
    suggestions(&r, &f, &s.rss);
    nginx_zones_said(&r, &s.zones);
    if (save || diff || metrics) {
        /* the report as saved: without the comparison */
        OUT_BUF json = { 0 };
        command_save_json(&r, &s.save, &json);
        OUT_BUF prom = { 0 };
        if (metrics && !report_metrics(json.s, json.len, &prom, err, sizeof err))
            ngxmem_error("%s: --metrics: %s", cmd, err);
        if (metrics)
            command_save_rendered(&r, &s.metrics, &prom);
        if (diff && !report_diff(&r, s.baseline, diff, json.s, json.len, err, sizeof err))
            ngxmem_error("%s: --diff %s", cmd, err);
    }
    if (html)
        command_save_html(&r, &s.html);
    command_emit(&r, &o);
    char shown[512];
    if (html && !o.json)
        ngxmem_printf("\nHTML report written to %s\n", text_safe(html, shown, sizeof shown));
    if (metrics && !o.json)
        ngxmem_printf("%sMetrics written to %s\n", html ? "" : "\n",
                      text_safe(metrics, shown, sizeof shown));
}

void nginx_report_register(void)
{
    command_register(&report_def, ngx_report_command);
}
