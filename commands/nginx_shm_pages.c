/* ngx-shm-pages: loaded (in RAM) vs unloaded pages of each zone, without
 * touching a page that is not loaded. */
#include "commands.h"

#include "command_def.h"
#include "command_output.h"
#include "gdb_reader.h"
#include "nginx_describe.h"
#include "nginx_shm.h"
#include "nginx_zone_pages.h"
#include "ngxmem.h"
#include "shm_residency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_bytes(unsigned char **p)
{
    free(*p);
}

/* A core holds every page gcore could read: "loaded" there means a page
 * with any non-zero byte (an all-zero page cannot be told from one never
 * touched). Reading a core changes nothing. */
static uint64_t core_nonzero_pages(const struct mem_reader *m, uint64_t addr, uint64_t len,
                                   uint64_t ps, unsigned char *resident)
{
    enum { BLOCK = 1 << 20 };
    unsigned char *buf __attribute__((cleanup(free_bytes))) = malloc(BLOCK);
    uint64_t n = 0;
    memset(resident, 0, len / ps);
    for (uint64_t off = 0; buf && off < len; off += BLOCK) {
        uint64_t chunk = len - off < BLOCK ? len - off : BLOCK;
        if (mem_read(m, addr + off, buf, chunk) != 0)
            continue;
        for (uint64_t p = 0; p < chunk; p += ps) {
            const uint64_t *w = (const uint64_t *)(buf + p);
            for (uint64_t k = 0; k < ps / 8; k++)
                if (w[k]) {
                    resident[(off + p) / ps] = 1;
                    n++;
                    break;
                }
        }
        ngxmem_check_quit();
    }
    return n;
}

void nginx_zones_read(const struct mem_reader *raw, const struct nginx_state *st,
                      struct ngx_zone_list *l, const char *cmd)
{
    char err[512];
    if (nginx_shm_zones(raw, st, l, err, sizeof err) < 0)
        ngxmem_error("%s: %s", cmd, err);
    pid_t pid = residency_nginx_pid(raw);
    enum residency_source source = residency_source_of(pid);
    for (int i = 0; i < l->n; i++) {
        struct ngx_zone *z = &l->v[i];
        char why[160];
        /* a zone whose memory is not there at all (a core without shared
         * memory) says nothing of its size: it is said unreadable */
        if (z->size_ok && z->readable &&
            !residency_range_backed(raw, pid, source, z->addr, z->size, why, sizeof why)) {
            z->size_ok = false;
            /* "16 TiB from 0x7f..., but the mapping there is shorter" */
            const char *but = strstr(why, "but ");
            snprintf(z->size_why, sizeof z->size_why, "%s", but ? but : why);
        }
    }
}

enum residency_method zone_pages_count(const struct mem_reader *raw, pid_t pid,
                                       enum residency_source source, const struct ngx_zone *z,
                                       uint64_t ps, struct zone_pages *zp, char *unbacked,
                                       size_t unbacked_len, char *why, size_t whylen)
{
    memset(zp, 0, sizeof *zp);
    if (!z->size_ok) {
        snprintf(unbacked, unbacked_len, "%llu bytes from 0x%llx, %s",
                 (unsigned long long)z->size, (unsigned long long)z->addr, z->size_why);
        return RES_UNAVAILABLE;
    }
    zp->backed = true;
    zp->pages = z->size / ps;
    uint64_t start = 0;
    if (z->slab_ok && mem_read_u64(raw, z->addr + NGX_SP_START, &start) && start > z->addr &&
        start < z->addr + z->size)
        zp->meta_pages = (start - z->addr) / ps;
    bool live = source == SOURCE_LIVE, core = source == SOURCE_CORE;
    enum residency_method method = RES_UNAVAILABLE;
    /* nothing to fill for a remote target: its pages stay untouched */
    unsigned char *res __attribute__((cleanup(free_bytes))) =
        calloc(live || core ? zp->pages + 1 : 1, 1);
    if (!res)
        ngxmem_error("out of memory");
    if (live)
        method = residency_live(pid, z->addr, zp->pages * ps, ps, res, why, whylen);
    else if (core) {
        method = RES_CORE_NONZERO;
        core_nonzero_pages(raw, z->addr, zp->pages * ps, ps, res);
    }
    for (uint64_t p = 0; method != RES_UNAVAILABLE && p < zp->pages; p++)
        if (res[p]) {
            zp->loaded++;
            if (p < zp->meta_pages)
                zp->meta_loaded++;
        }
    return method;
}

static const char *method_id(enum residency_method m)
{
    switch (m) {
    case RES_MINCORE: return "mincore";
    case RES_PAGEMAP: return "pagemap";
    case RES_CORE_NONZERO: return "core_nonzero";
    default: return "unavailable";
    }
}

static const char *method_name(enum residency_method m)
{
    switch (m) {
    case RES_MINCORE: return "mincore of the zone's shared memory object (true residency, all processes)";
    case RES_PAGEMAP: return "union of /proc/PID/pagemap over nginx's processes (not root: pages mapped into one of them)";
    case RES_CORE_NONZERO: return "core file: pages with non-zero content (zero pages cannot be told from untouched ones)";
    default: return "unavailable";
    }
}

static const struct column page_columns[] = {
    { "name", "zone", VAL_INFERIOR, 0, IN_BOTH },
    { "bytes", "size", VAL_BYTES, 0, IN_BOTH },
    { "loaded_bytes", "loaded", VAL_BYTES, 0, IN_BOTH },
    { "unloaded_bytes", "unloaded", VAL_BYTES, 0, IN_BOTH },
    { "metadata_page_count", "meta pages", VAL_COUNT, 0, JSON_ONLY },
    { "metadata_loaded_bytes", "metadata", VAL_BYTES, 2, IN_BOTH },
    { "data_loaded_bytes", "data", VAL_BYTES, 1, IN_BOTH },
    { "error", "not read", VAL_TEXT, 0, IN_BOTH },
};

static void release_zones(struct ngx_zone_list *l)
{
    ngx_zone_list_release(l);
}

static const struct option_def pages_options[] = {
    /* residency is of the shared object: always every worker's */
    { "--all-workers", OPT_FLAG, NULL, 0, 0 },
};

static const struct command_def pages_def = {
    "ngx-shm-pages", "Show how much of each shared memory zone is really in RAM.", "[ZONE]", 0,
    1, pages_options, ARRAY_LEN(pages_options), COMMON_OUTPUT,
    "Zones are demand-paged: a 100 MiB lua_shared_dict costs ~608 KiB until keys\n"
    "arrive. Loaded pages are counted without touching any page (reading an\n"
    "untouched shared page would load it): with mincore() on the zone's shared\n"
    "object for a live process (root; covers every worker, so --all-workers is\n"
    "implied), else the union of the nginx processes' pagemaps; in a core, pages\n"
    "with non-zero content; unavailable for remote targets. Loaded pages that keep\n"
    "growing until the zone is full, then stop, are a \"fake leak\": the zone\n"
    "filling up to its configured size, not a leak. Split: slab metadata vs data.\n",
    "Example: ngx-shm-pages dogs",
};

static void ngx_shm_pages_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct gdb_reader_state progress;
    struct parsed_options a;
    RESULT(r);
    char err[512], why[256] = "";
    if (!command_options(&pages_def, args, &a))
        return;
    /* every read here is exact: no read-ahead near shared zones */
    struct mem_reader raw = gdb_reader(&progress, "ngx-shm-pages");
    struct output_options o = output_options(&a);
    const char *only = opt_positional(&a, 0);
    struct nginx_state st;
    if (!nginx_state_find(&raw, &st, err, sizeof err))
        ngxmem_error("ngx-shm-pages: %s", err);
    struct ngx_zone_list zones __attribute__((cleanup(release_zones))) = { 0 };
    /* zone headers are read exactly: see ngx-shm-zones */
    nginx_zones_read(&raw, &st, &zones, "ngx-shm-pages");
    int nz = zones.n;

    pid_t pid = residency_nginx_pid(&raw);
    enum residency_method method = RES_UNAVAILABLE;
    enum residency_source source = residency_source_of(pid);
    bool live = source == SOURCE_LIVE, core = source == SOURCE_CORE;
    if (!live && !core)
        snprintf(why, sizeof why, "not a live process on this machine nor a core file "
                 "(remote target?): reading pages would load them");

    result_init(&r, "ngx-shm-pages");
    nginx_describe(&st, &r);
    result_table(&r, "zones", NULL, page_columns, ARRAY_LEN(page_columns));
    uint64_t ps = st.pagesize, tot_pages = 0, tot_loaded = 0, tot_meta = 0;
    int shown = 0;
    for (int i = 0; i < nz; i++) {
        const struct ngx_zone *z = &zones.v[i];
        if (only && !inferior_text_equals(&z->name, only))
            continue;
        char unbacked[160];
        shown++;
        struct zone_pages zp;
        enum residency_method m = zone_pages_count(&raw, pid, source, z, ps, &zp, unbacked,
                                                   sizeof unbacked, why, sizeof why);
        if (!zp.backed) {
            struct value row[] = { val_inferior(&r, &z->name),
                                   z->size_ok ? val_bytes(z->size) : val_none(), val_none(),
                                   val_none(), val_none(), val_none(), val_none(),
                                   val_text(&r, "shm.size says %s", unbacked) };
            result_row(&r, row);
            continue;
        }
        method = m;
        bool known = method != RES_UNAVAILABLE;
        tot_pages += zp.pages;
        tot_loaded += zp.loaded;
        tot_meta += zp.meta_loaded;
        struct value row[] = {
            val_inferior(&r, &z->name), val_bytes(z->size),
            known ? val_bytes(zp.loaded * ps) : val_none(),
            known ? val_bytes((zp.pages - zp.loaded) * ps) : val_none(),
            val_count(zp.meta_pages), known ? val_bytes(zp.meta_loaded * ps) : val_none(),
            known ? val_bytes((zp.loaded - zp.meta_loaded) * ps) : val_none(), val_none(),
        };
        result_row(&r, row);
    }
    if (only && !shown)
        ngxmem_error("ngx-shm-pages: no zone \"%s\" (see ngx-shm-zones)", only);
    nginx_zones_said(&r, &zones);
    bool known = method != RES_UNAVAILABLE;
    struct value total[] = {
        val_text(&r, "total"), val_bytes(tot_pages * ps),
        known ? val_bytes(tot_loaded * ps) : val_none(),
        known ? val_bytes((tot_pages - tot_loaded) * ps) : val_none(), val_none(),
        known ? val_bytes(tot_meta * ps) : val_none(),
        known ? val_bytes((tot_loaded - tot_meta) * ps) : val_none(), val_none(),
    };
    result_total(&r, total);
    result_facts(&r, NULL, NULL);
    result_fact(&r, "method", "loaded =", val_id(method_id(method)), "%s", method_name(method));
    result_fact(&r, "pid", "nginx pid", pid ? val_int(pid) : val_none(), NULL);
    if (why[0])
        result_note(&r, "%s", why);
    command_emit(&r, &o);
}

void nginx_shm_pages_register(void)
{
    command_register(&pages_def, ngx_shm_pages_command);
    ngxmem_set_value_completer("ngx-shm-pages", nginx_zone_names);
}
