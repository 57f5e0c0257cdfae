/* ngx-shm-zones and ngx-shm-slabs. */
#include "commands.h"

#include "args.h"
#include "format.h"
#include "gdb_reader.h"
#include "nginx_shdict.h"
#include "nginx_shm.h"
#include "process_hold.h"
#include "shm_residency.h"
#include "ngxmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct shm_session {
    struct gdb_reader_state progress;
    struct mem_reader raw;       /* exact reads only: see shm_session_open */
    struct nginx_state st;
    struct args args;
    struct ngx_zone zones[256];
    int nzones;
};

static void shm_session_release(struct shm_session *s)
{
    gdb_reader_done(&s->progress);
}

static void shm_session_open(struct shm_session *s, const char *cmd, const char *args)
{
    char err[512];
    memset(s, 0, sizeof *s);
    args_split_or_error(&s->args, args, cmd);
    s->raw = gdb_reader(&s->progress, cmd);
    if (!nginx_state_find(&s->raw, &s->st, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    /* Zones are read exactly, never through a read-ahead window: reading
     * a page of a shared zone that is not in RAM makes the kernel
     * allocate it (the observer effect the zone commands must not have). */
    s->nzones = nginx_shm_zones(&s->raw, &s->st, s->zones, 256, err, sizeof err);
    if (s->nzones < 0)
        ngxmem_error("%s: %s", cmd, err);
}

static const struct ngx_zone *zone_named(struct shm_session *s, const char *cmd,
                                         const char *name)
{
    if (!name)
        ngxmem_error("%s: which zone? (see ngx-shm-zones)", cmd);
    char why[160];
    for (int i = 0; i < s->nzones; i++)
        if (inferior_text_equals(&s->zones[i].name, name)) {
            const struct ngx_zone *z = &s->zones[i];
            pid_t pid = residency_nginx_pid(&s->raw);
            if (!residency_range_backed(&s->raw, pid, residency_source_of(pid), z->addr,
                                        z->size, why, sizeof why))
                ngxmem_error("%s: zone \"%s\": shm.size says %s", cmd, name, why);
            return z;
        }
    ngxmem_error("%s: no zone \"%s\" (see ngx-shm-zones)", cmd, name);
}

static void ngx_shm_zones_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct shm_session s __attribute__((cleanup(shm_session_release)));
    shm_session_open(&s, "ngx-shm-zones", args);
    bool json = args_flag(&s.args, "--json");
    args_require_done(&s.args, "ngx-shm-zones");
    char b[32];
    uint64_t total = 0;
    if (json)
        ngxmem_printf("{\"zones\":[");
    else
        ngxmem_printf("%-24s %10s %-28s %-18s %s\n", "zone", "size", "owner", "address",
                      "slab pool");
    for (int i = 0; i < s.nzones; i++) {
        const struct ngx_zone *z = &s.zones[i];
        char name[TEXT_OUT], owner[TEXT_OUT];
        total += z->size;
        if (json)
            ngxmem_printf("%s{\"name\":\"%s\",\"size\":%llu,\"owner\":\"%s\",\"addr\":%llu,"
                          "\"entry\":%llu,\"slab_ok\":%s}", i ? "," : "",
                          text_json(&z->name, name), (unsigned long long)z->size,
                          text_json(&z->owner, owner), (unsigned long long)z->addr,
                          (unsigned long long)z->entry, z->slab_ok ? "true" : "false");
        else
            ngxmem_printf("%-24s %10s %-28s 0x%-16llx %s\n", text_terminal(&z->name, name),
                          format_bytes(z->size, b, sizeof b), text_terminal(&z->owner, owner),
                          (unsigned long long)z->addr, z->slab_ok ? "ok" : "CORRUPT");
    }
    if (json)
        ngxmem_printf("],\"total_size\":%llu}\n", (unsigned long long)total);
    else
        ngxmem_printf("%d zone%s, %s in total (virtual: see ngx-shm-pages for what is in RAM)\n",
                      s.nzones, s.nzones == 1 ? "" : "s", format_bytes(total, b, sizeof b));
}

static void release_hold(struct process_hold *h)
{
    hold_release(h);
}

/* --consistent: hold still the other processes mapping zone Z (only a
 * live process this GDB traces on this machine can tell which). */
static void hold_sharers(struct shm_session *s, const char *cmd, const struct ngx_zone *z,
                         struct process_hold *h)
{
    pid_t pid = residency_nginx_pid(&s->raw), others[HOLD_MAX];
    char why[200];
    if (!residency_is_our_tracee(pid))
        ngxmem_error("%s: --consistent needs a live process on this machine (a core is "
                     "consistent already)", cmd);
    int n = hold_find_sharers(pid, z->addr, others, HOLD_MAX);
    if (n && !hold_start(h, others, n, why, sizeof why))
        ngxmem_error("%s: --consistent: %s", cmd, why);
}

static void ngx_shm_slabs_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct shm_session s __attribute__((cleanup(shm_session_release)));
    shm_session_open(&s, "ngx-shm-slabs", args);
    bool json = args_flag(&s.args, "--json");
    bool consistent = args_flag(&s.args, "--consistent");
    const struct ngx_zone *z = zone_named(&s, "ngx-shm-slabs", args_take(&s.args));
    args_require_done(&s.args, "ngx-shm-slabs");
    struct slab_report r;
    char err[512], b[4][32], name[TEXT_OUT], owner[TEXT_OUT];
    struct process_hold hold __attribute__((cleanup(release_hold))) = { .release_fd = -1 };
    if (consistent)
        hold_sharers(&s, "ngx-shm-slabs", z, &hold);
    int held = hold.held;
    bool ok = nginx_slab_report(&s.raw, &s.st, z, &r, err, sizeof err);
    double held_ms = hold_release(&hold);
    if (!ok)
        ngxmem_error("ngx-shm-slabs: %s", err);
    if (json) {
        ngxmem_printf("{\"zone\":\"%s\",\"size\":%llu,\"pages\":%llu,\"used_pages\":%llu,"
                      "\"free_pages\":%llu,\"used_slabs\":%llu,\"free_slabs\":%llu,"
                      "\"page_runs\":%llu,\"free_runs\":%llu,\"free_bytes\":%llu,"
                      "\"consistent\":%s,\"slots\":[", text_json(&z->name, name),
                      (unsigned long long)z->size,
                      (unsigned long long)r.pages, (unsigned long long)r.used_pages,
                      (unsigned long long)r.free_pages, (unsigned long long)r.used_slabs,
                      (unsigned long long)r.free_slabs, (unsigned long long)r.run_allocs,
                      (unsigned long long)r.free_runs,
                      (unsigned long long)(r.free_pages * r.pagesize),
                      r.inconsistency[0] ? "false" : "true");
        for (int i = 0; i < r.nslots; i++)
            ngxmem_printf("%s{\"size\":%llu,\"pages\":%llu,\"total\":%llu,\"used\":%llu,"
                          "\"free\":%llu,\"reqs\":%llu,\"fails\":%llu}", i ? "," : "",
                          (unsigned long long)r.slots[i].size, (unsigned long long)r.slots[i].pages,
                          (unsigned long long)r.slots[i].total, (unsigned long long)r.slots[i].used,
                          (unsigned long long)(r.slots[i].total - r.slots[i].used),
                          (unsigned long long)r.slots[i].stat_reqs,
                          (unsigned long long)r.slots[i].stat_fails);
        ngxmem_printf("],\"held_processes\":%d,\"held_ms\":%.1f}\n", held, held_ms);
        return;
    }
    ngxmem_printf("zone \"%s\" (%s, %s): %llu pages of %s; metadata %s\n",
                  text_terminal(&z->name, name), text_terminal(&z->owner, owner),
                  format_bytes(z->size, b[0], 32), (unsigned long long)r.pages,
                  format_bytes(r.pagesize, b[1], 32), format_bytes(r.meta_bytes, b[2], 32));
    ngxmem_printf("pages: %llu used (%llu small, %llu exact, %llu big slot pages; %llu in %llu "
                  "multi-page allocations), %llu free in %llu runs\n",
                  (unsigned long long)r.used_pages, (unsigned long long)r.small_pages,
                  (unsigned long long)r.exact_pages, (unsigned long long)r.big_pages,
                  (unsigned long long)r.run_pages, (unsigned long long)r.run_allocs,
                  (unsigned long long)r.free_pages, (unsigned long long)r.free_runs);
    ngxmem_printf("slabs: %llu used, %llu free (one slab = one allocation; a slot page's "
                  "bitmap counts as used)\n", (unsigned long long)r.used_slabs,
                  (unsigned long long)r.free_slabs);
    ngxmem_printf("capacity %s, free %s in whole pages (what lua's free_space() reports)\n",
                  format_bytes(z->size, b[0], 32), format_bytes(r.free_pages * r.pagesize, b[1], 32));
    ngxmem_printf("\n%8s %8s %10s %10s %10s %10s %10s\n", "slot", "pages", "total", "used",
                  "free", "reqs", "fails");
    for (int i = 0; i < r.nslots; i++)
        ngxmem_printf("%8s %8llu %10llu %10llu %10llu %10llu %10llu\n",
                      format_bytes(r.slots[i].size, b[0], 32), (unsigned long long)r.slots[i].pages,
                      (unsigned long long)r.slots[i].total, (unsigned long long)r.slots[i].used,
                      (unsigned long long)(r.slots[i].total - r.slots[i].used),
                      (unsigned long long)r.slots[i].stat_reqs,
                      (unsigned long long)r.slots[i].stat_fails);
    ngxmem_printf("\nfree runs by length (pages):");
    for (int i = 0; i < SLAB_SIZE_BUCKETS; i++)
        if (r.free_run_hist[i])
            ngxmem_printf(" [%llu-%llu]: %llu", 1ull << i, (2ull << i) - 1,
                          (unsigned long long)r.free_run_hist[i]);
    ngxmem_printf("\n");
    if (r.inconsistency[0])
        ngxmem_printf("INCONSISTENT: %s\n", r.inconsistency);
    if (consistent)
        ngxmem_printf("held %d other process%s mapping the zone for %.1f ms\n", held,
                      held == 1 ? "" : "es", held_ms);
}

static void print_entry_json(const char *label, const struct shdict_entry *e, bool comma)
{
    char key[TEXT_OUT];
    ngxmem_printf("%s\"%s\":{\"key\":\"%s\",\"type\":\"%s\",\"bytes\":%llu,\"expires\":%llu}",
                  comma ? "," : "", label, text_json(&e->key, key),
                  shdict_type_names[e->type < SHDICT_TYPES ? e->type : 2],
                  (unsigned long long)e->alloc, (unsigned long long)e->expires);
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
        bool ok = nginx_shdict_report(&s->raw, z, now, top, r, err, sizeof err) &&
                  nginx_slab_report(&s->raw, &s->st, z, sr, err, sizeof err);
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

static void ngx_lua_shdict_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct shm_session s __attribute__((cleanup(shm_session_release)));
    shm_session_open(&s, "ngx-lua-shdict", args);
    bool json = args_flag(&s.args, "--json"), missing;
    bool consistent = args_flag(&s.args, "--consistent");
    const char *v = args_value(&s.args, "--top", &missing);
    uint64_t top = 10;
    if (missing || (v && !args_parse_uint(v, SHDICT_TOP_MAX, &top)))
        ngxmem_error("ngx-lua-shdict: --top takes 0..%d", SHDICT_TOP_MAX);
    const struct ngx_zone *z = zone_named(&s, "ngx-lua-shdict", args_take(&s.args));
    args_require_done(&s.args, "ngx-lua-shdict");
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint64_t now = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
    static struct shdict_report r;
    struct slab_report sr;
    char b[4][32], name[TEXT_OUT], k1[TEXT_OUT], k2[TEXT_OUT];
    struct process_hold hold __attribute__((cleanup(release_hold))) = { .release_fd = -1 };
    if (consistent)
        hold_sharers(&s, "ngx-lua-shdict", z, &hold);
    int held = hold.held;
    int reads = read_shdict_stable(&s, z, now, (int)top, &r, &sr);
    double held_ms = hold_release(&hold);
    char problem[200] = "";
    if (reads < 0)
        snprintf(problem, sizeof problem, "the zone changed while it was read (%d reads, no "
                 "two alike): figures are from the last read", -reads);
    else if (r.keys == 0 && sr.used_slabs > SHDICT_EMPTY_SLABS)
        snprintf(problem, sizeof problem, "the LRU queue is empty but the zone holds %llu "
                 "allocations (an empty dict has %d): the queue head is corrupt",
                 (unsigned long long)sr.used_slabs, SHDICT_EMPTY_SLABS);
    if (json) {
        ngxmem_printf("{\"zone\":\"%s\",\"keys\":%llu,\"expired\":%llu,\"key_bytes\":%llu,"
                      "\"value_bytes\":%llu,\"alloc_bytes\":%llu,\"capacity\":%llu,"
                      "\"free_space\":%llu,\"types\":{", text_json(&z->name, name),
                      (unsigned long long)r.keys,
                      (unsigned long long)r.expired, (unsigned long long)r.key_bytes,
                      (unsigned long long)r.value_bytes, (unsigned long long)r.alloc_bytes,
                      (unsigned long long)z->size,
                      (unsigned long long)(sr.free_pages * sr.pagesize));
        for (int i = 0, first = 1; i < SHDICT_TYPES; i++)
            if (i != 2) {
                ngxmem_printf("%s\"%s\":%llu", first ? "" : ",", shdict_type_names[i],
                              (unsigned long long)r.by_type[i]);
                first = 0;
            }
        ngxmem_printf("}");
        if (r.keys) {
            print_entry_json("newest", &r.newest, true);
            print_entry_json("oldest", &r.oldest, true);
        }
        ngxmem_printf(",\"top\":[");
        for (int i = 0; i < r.ntop; i++) {
            ngxmem_printf("%s{", i ? "," : "");
            print_entry_json("entry", &r.top[i], false);
            ngxmem_printf("}");
        }
        ngxmem_printf("],\"reads\":%d,\"consistent\":%s,\"problem\":\"%s\","
                      "\"held_processes\":%d,\"held_ms\":%.1f}\n",
                      reads < 0 ? -reads : reads, problem[0] ? "false" : "true", problem,
                      held, held_ms);
        return;
    }
    ngxmem_printf("lua_shared_dict \"%s\": %llu keys (%llu expired, still stored), capacity %s, "
                  "free space %s\n", text_terminal(&z->name, name), (unsigned long long)r.keys,
                  (unsigned long long)r.expired, format_bytes(z->size, b[0], 32),
                  format_bytes(sr.free_pages * sr.pagesize, b[1], 32));
    ngxmem_printf("keys %s, values %s, nodes %s in %llu used slabs\n",
                  format_bytes(r.key_bytes, b[0], 32), format_bytes(r.value_bytes, b[1], 32),
                  format_bytes(r.alloc_bytes, b[2], 32), (unsigned long long)sr.used_slabs);
    ngxmem_printf("value types:");
    for (int i = 0; i < SHDICT_TYPES; i++)
        if (r.by_type[i])
            ngxmem_printf(" %s %llu", shdict_type_names[i], (unsigned long long)r.by_type[i]);
    ngxmem_printf("\n");
    if (r.keys)
        ngxmem_printf("LRU newest \"%s\", oldest \"%s\" (evicted first when the zone is full)\n",
                      text_terminal(&r.newest.key, k1), text_terminal(&r.oldest.key, k2));
    if (r.ntop)
        ngxmem_printf("\n%-48s %-8s %10s\n", "biggest entries", "type", "bytes");
    for (int i = 0; i < r.ntop; i++)
        ngxmem_printf("%-48s %-8s %10llu\n", text_terminal(&r.top[i].key, k1),
                      shdict_type_names[r.top[i].type < SHDICT_TYPES ? r.top[i].type : 2],
                      (unsigned long long)r.top[i].alloc);
    if (problem[0])
        ngxmem_printf("%s: %s\n", reads < 0 ? "note" : "INCONSISTENT", problem);
    if (consistent)
        ngxmem_printf("held %d other process%s mapping the zone for %.1f ms\n", held,
                      held == 1 ? "" : "es", held_ms);
}

static const char shdict_help[] =
    "Show what a lua_shared_dict holds.\n"
    "Usage: ngx-lua-shdict ZONE [--top N] [--consistent] [--json]\n"
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
    "for the read, and says for how long.\n"
    "Example: ngx-lua-shdict dogs --top 5\n"
    "Example: ngx-lua-shdict dogs --consistent";

static const char zones_help[] =
    "List nginx's shared memory zones.\n"
    "Usage: ngx-shm-zones [--json]\n"
    "Every zone of cycle->shared_memory: name, size, owning module (from the zone's\n"
    "tag), address, and whether its slab pool header checks out. Sizes are virtual:\n"
    "a zone costs RAM only for the pages touched (see ngx-shm-slabs).\n"
    "Example: ngx-shm-zones";

static const char slabs_help[] =
    "Show how a shared memory zone's slab allocator is used.\n"
    "Usage: ngx-shm-slabs ZONE [--consistent] [--json]\n"
    "Classifies every page (free run, multi-page allocation, small/exact/big slot\n"
    "page), counts used and free slabs (one slab = one allocation), per-slot totals\n"
    "cross-checked with the pool's own statistics, free runs by length, capacity\n"
    "and free bytes. Reads only metadata and the bitmaps of used pages, never a\n"
    "free page. Many free slabs in partly used pages with few free pages mean the\n"
    "zone is fragmented by slot size; no free pages means the next allocation of\n"
    "a new size class fails (lua: \"no memory\", LRU eviction). --consistent\n"
    "holds the other processes mapping the zone for the read, as in ngx-lua-shdict.\n"
    "Example: ngx-shm-slabs dogs";

void nginx_shm_register(void)
{
    ngxmem_register_command("ngx-shm-zones", ngx_shm_zones_command, zones_help);
    ngxmem_register_command("ngx-shm-slabs", ngx_shm_slabs_command, slabs_help);
    ngxmem_register_command("ngx-lua-shdict", ngx_lua_shdict_command, shdict_help);
}
