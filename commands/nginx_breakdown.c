/* ngx-mem-breakdown: the resident memory of a live process (RSS, PSS,
 * private and shared) split by what it is, adding up to the kernel's
 * smaps_rollup Rss: the glibc heap in use and free-but-resident, each
 * shared zone, other shared memory, stacks, code, data, the rest. */
#include "commands.h"

#include "command_output.h"
#include "glibc_session.h"
#include "nginx_describe.h"
#include "nginx_shm.h"
#include "nginx_zone_pages.h"
#include "pool_claims.h"
#include "ngxmem.h"
#include "rss_breakdown.h"
#include "breakdown_output.h"
#include "shm_residency.h"
#include "target_identity.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static const struct column part_columns[] = {
    { "category", "category", VAL_ID, 0, JSON_ONLY },
    { "what", "what", VAL_TEXT, 0, TEXT_ONLY },
    { "zone", "zone", VAL_INFERIOR, 0, JSON_ONLY },
    { "rss_bytes", "RSS", VAL_BYTES, 0, IN_BOTH },
    { "rss_percent", "% RSS", VAL_PERCENT, 1, IN_BOTH },
    { "pss_bytes", "PSS", VAL_BYTES, 2, IN_BOTH },
    { "private_bytes", "private", VAL_BYTES, 3, IN_BOTH },
    { "shared_bytes", "shared", VAL_BYTES, 4, IN_BOTH },
    { "swap_bytes", "swap", VAL_BYTES, 5, IN_BOTH },
};

struct breakdown_session {
    struct glibc_session glibc;
    struct rss_breakdown rss;
    struct pool_census_walk census;
    struct heap_claims claims;
    struct ngx_zone_list zones;
};

static void breakdown_session_release(struct breakdown_session *s)
{
    ngx_zone_list_release(&s->zones);
    heap_claims_release(&s->claims);
    pool_census_release(&s->census);
    rss_breakdown_release(&s->rss);
    glibc_session_release(&s->glibc);
}

static void free_chunk_seen(void *arg, const struct glibc_chunk *c)
{
    if (c->cls != CH_IN_USE && c->cls != CH_FENCEPOST)
        rss_breakdown_free_chunk(arg, c->addr, c->size);
}

void breakdown_follow_walk(struct rss_breakdown *b, const struct glibc_heap *h,
                           struct chunk_fanout *fan)
{
    for (int i = 0; i < h->nsegments; i++)
        rss_breakdown_heap_segment(b, h->segments[i].start, h->segments[i].end);
    chunk_fanout_add(fan, free_chunk_seen, b);
}

static void part_row(struct result *r, const struct rss_breakdown *b, enum rss_category c,
                     const struct rss_part *p, const struct inferior_text *zone)
{
    char shown[TEXT_OUT];
    struct value row[] = {
        val_id(rss_category_ids[c]),
        zone ? val_text(r, "shared zone %s", text_terminal(zone, shown))
             : val_text(r, "%s", rss_category_labels[c]),
        zone ? val_inferior(r, zone) : val_none(),
        val_bytes(p->rss), val_percent(p->rss, b->rollup_rss),
        val_bytes(p->pss), val_bytes(p->private_bytes), val_bytes(p->shared_bytes),
        val_bytes(p->swap),
    };
    result_row(r, row);
}

void breakdown_result(struct result *r, const struct rss_breakdown *b,
                      const struct ngx_zone *zones, int nz, const char *facts_key,
                      const char *parts_key)
{
    bool core = b->from_core;
    result_facts(r, facts_key, !facts_key ? NULL
                               : core ? "Memory the core holds, by what it is:"
                                      : "Resident memory (RSS), by what it is:");
    result_fact(r, "source", "from", val_id(core ? "core_segments" : "smaps"),
                core ? "the bytes of each segment a core holds: what gcore read"
                     : "the kernel's /proc/PID/smaps; no page read");
    result_fact(r, "rss_bytes", core ? "in the core" : "RSS", val_bytes(b->rollup_rss),
                core ? NULL : "/proc/%d/smaps_rollup", (int)b->pid);
    result_fact(r, "pss_bytes", "PSS", val_bytes(b->rollup_pss),
                core ? "a core knows no sharing: = the bytes held"
                     : "shared pages divided among the processes mapping them");
    result_fact(r, "thread_count", "threads", val_count(b->thread_count), NULL);
    result_table(r, parts_key, NULL, part_columns, ARRAY_LEN(part_columns));
    result_chart(r, CHART_SHARES, 1, 3, 0);
    struct rss_part sum = { 0 };
    for (int c = 0; c < RSS_COUNT; c++) {
        const struct rss_part *p = &b->parts[c];
        sum.rss += p->rss;
        sum.pss += p->pss;
        sum.private_bytes += p->private_bytes;
        sum.shared_bytes += p->shared_bytes;
        sum.swap += p->swap;
        if (c != RSS_SHM_ZONE) {
            part_row(r, b, (enum rss_category)c, p, NULL);
            continue;
        }
        for (int z = 0; z < nz && z < b->nzones; z++)
            part_row(r, b, RSS_SHM_ZONE, &b->zones[z].part, &zones[z].name);
    }
    struct value total[] = {
        val_none(), val_text(r, "total"), val_none(), val_bytes(sum.rss),
        val_percent(sum.rss, b->rollup_rss), val_bytes(sum.pss),
        val_bytes(sum.private_bytes), val_bytes(sum.shared_bytes), val_bytes(sum.swap),
    };
    result_total(r, total);
    if (b->core_missing)
        result_warning(r, "the core file's segments claim %llu bytes it does not hold (a "
                       "truncated file: a full disk, a cut copy?): the figures are what it "
                       "holds, and reads of the rest fail",
                       (unsigned long long)b->core_missing);
    if (!b->rollup_ok)
        result_warning(r, "/proc/%d/smaps_rollup could not be read: percentages are of 0",
                       (int)b->pid);
    else if (sum.rss != b->rollup_rss)
        result_warning(r, "the parts add up to %llu bytes, smaps_rollup says %llu: the "
                          "process's mappings changed while they were read",
                       (unsigned long long)sum.rss, (unsigned long long)b->rollup_rss);
}

void breakdown_zones(struct rss_breakdown *b, const struct ngx_zone_list *l, const char *cmd)
{
    for (int z = 0; z < l->n; z++) {
        const struct ngx_zone *zone = &l->v[z];
        /* a size that is no address range claims no mapping */
        uint64_t end = zone->size_ok ? zone->addr + zone->size : zone->addr;
        if (!rss_breakdown_zone(b, zone->addr, end))
            ngxmem_error("%s: out of memory", cmd);
    }
}

struct claims_to_rss {
    struct rss_breakdown *rss;
    const struct heap_claims *claims;
};

static void claimed(void *arg, uint64_t start, uint64_t end, int owner)
{
    struct claims_to_rss *t = arg;
    enum claim_part part = t->claims->owners[owner].part;
    if (part != CLAIM_PART_NONE)
        rss_breakdown_pool_chunk(t->rss, part == CLAIM_PART_CYCLE_POOLS, start, end - start);
}

void breakdown_claims(struct rss_breakdown *b, struct heap_claims *c)
{
    struct claims_to_rss t = { b, c };
    heap_claims_each(c, claimed, &t);
}

bool breakdown_lua_segments(struct rss_breakdown *b, const struct mem_reader *m,
                            const struct nginx_lua_vm *vm, uint64_t *bytes, char *why,
                            size_t whylen)
{
    static struct lua_segments segs;
    *bytes = 0;
    if (!nginx_lua_segments(m, vm, &segs, why, whylen))
        return false;
    for (int i = 0; i < segs.n; i++) {
        rss_breakdown_lua_segment(b, segs.start[i], segs.end[i]);
        *bytes += segs.end[i] - segs.start[i];
    }
    return true;
}

bool breakdown_begin_target(struct rss_breakdown *b, pid_t pid, char *why, size_t whylen)
{
    char core[PATH_MAX];
    if (pid && residency_source_of(pid) == SOURCE_LIVE)
        return rss_breakdown_begin(b, pid, why, whylen);
    if (!pid && target_open_core(core, sizeof core))
        return rss_breakdown_begin_core(b, core, why, whylen);
    snprintf(why, whylen, "needs a live process on this machine or a core file (a remote "
                          "target's memory is not the kernel's to tell)");
    return false;
}

static const struct command_def breakdown_def = {
    "ngx-mem-breakdown", "Resident memory of a process, split by what it is.", NULL, 0, 0, NULL,
    0, COMMON_OUTPUT,
    "RSS, PSS, private and shared bytes from the kernel (/proc/PID/smaps; no\n"
    "page is read) for: nginx's cycle pools and other pools (their heap chunks'\n"
    "resident bytes), the rest of the glibc heap in use, free glibc heap pages still\n"
    "resident (pagemap: what malloc_trim could give back), each nginx shared\n"
    "zone as mapped by this process, other shared memory (nginx's accept mutex\n"
    "and counters), thread stacks, program and library code and data, other\n"
    "file mappings, LuaJIT's allocator (its segments; allocations of 128 KiB and\n"
    "more stay in other anonymous memory) and other anonymous memory. The\n"
    "parts add up to /proc/PID/smaps_rollup's Rss. Works on a master or a worker;\n"
    "on a core, the bytes the core holds of each (no pagemap: no free split).\n",
    "Example: ngx-mem-breakdown",
};

static void ngx_mem_breakdown_command(const char *args, int from_tty)
{
    (void)from_tty;
    static const char cmd[] = "ngx-mem-breakdown";
    struct breakdown_session s __attribute__((cleanup(breakdown_session_release)));
    memset(&s, 0, sizeof s);
    RESULT(r);
    char err[512];
    if (!glibc_session_begin(&s.glibc, &breakdown_def, args))
        return;
    struct output_options o = output_options(&s.glibc.opts);
    pid_t pid = target_traced_pid();
    /* the kernel's figures before any read of the inferior: reading maps
     * file pages into it (ELF headers, symbol tables) and would add them */
    if (!breakdown_begin_target(&s.rss, pid, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    char glibc_err[512];
    bool have_glibc = glibc_session_try_heap(&s.glibc, 0, glibc_err, sizeof glibc_err);
    struct nginx_state st;
    bool nginx = nginx_state_find(&s.glibc.reader, &st, err, sizeof err);
    /* nginx's pools in the same walk: their chunks' resident bytes */
    static struct named_pool cycles[MAX_OLD_CYCLES + 2];
    int ncycles = nginx && have_glibc
                      ? nginx_cycle_pool_addresses(&s.glibc.heap.headers, &st, cycles,
                                                   MAX_OLD_CYCLES + 2, err, sizeof err)
                      : -1;
    if (have_glibc) {
        struct chunk_fanout fan = { 0 };
        breakdown_follow_walk(&s.rss, &s.glibc.heap, &fan);
        if (ncycles >= 0) {
            pool_census_begin(&s.census, &s.glibc.heap, &st);
            chunk_fanout_add(&fan, pool_census_chunk, &s.census);
        }
        if (!glibc_heap_walk(&s.glibc.heap, -1, chunk_fanout_chunk, &fan, err, sizeof err))
            ngxmem_error("%s: %s", cmd, err);
        struct pool_census census;
        struct pool_claims pc = { &s.claims };
        pool_census_follow(&s.census, pool_claims_chunk, &pc);
        if (ncycles >= 0 &&
            !pool_census_finish(&s.census, cycles, ncycles, &census, err, sizeof err))
            ngxmem_error("%s: %s", cmd, err);
        if (s.claims.oom)
            ngxmem_error("%s: out of memory", cmd);
        breakdown_claims(&s.rss, &s.claims);
    }
    /* zone headers are read exactly: see ngx-shm-zones */
    if (nginx)
        nginx_zones_read(&s.glibc.reader, &st, &s.zones, cmd);
    breakdown_zones(&s.rss, &s.zones, cmd);
    struct nginx_lua_vm vm;
    char lua_why[200] = "";
    uint64_t lua_bytes;
    if (nginx && nginx_lua_vm(&s.glibc.reader, &st, &vm, lua_why, sizeof lua_why))
        breakdown_lua_segments(&s.rss, &s.glibc.reader, &vm, &lua_bytes, lua_why,
                               sizeof lua_why);
    rss_breakdown_finish(&s.rss);
    gdb_reader_done(&s.glibc.progress);

    result_init(&r, cmd);
    if (nginx)
        nginx_describe(&st, &r);
    glibc_session_describe(&s.glibc, &r);
    breakdown_result(&r, &s.rss, s.zones.v, s.zones.n, NULL, "parts");
    nginx_zones_said(&r, &s.zones);
    const struct rss_breakdown *b = &s.rss;
    if (!have_glibc)
        result_note(&r, "glibc heap not analysed (%s): its mappings count as other "
                        "anonymous memory", glibc_err);
    else if (!b->pagemap_ok)
        result_note(&r, "%s: the heap's free pages are counted as in use",
                    b->from_core ? "a core has no pagemap" : "/proc/PID/pagemap unreadable");
    if (!nginx)
        result_note(&r, "not nginx, or nginx not found: no shared zones named");
    else if (lua_why[0])
        result_note(&r, "no LuaJIT part: %s", lua_why);
    command_emit(&r, &o);
}

void nginx_breakdown_register(void)
{
    command_register(&breakdown_def, ngx_mem_breakdown_command);
}
