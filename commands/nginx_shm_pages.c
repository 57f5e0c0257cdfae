/* ngx-shm-pages: loaded (in RAM) vs unloaded pages of each zone, without
 * touching a page that is not loaded. */
#include "commands.h"

#include "args.h"
#include "format.h"
#include "gdb_reader.h"
#include "nginx_shm.h"
#include "ngxmem.h"
#include "shm_residency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct zone_pages {
    uint64_t pages, loaded, meta_pages, meta_loaded;
};

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

static const char *method_name(enum residency_method m)
{
    switch (m) {
    case RES_MINCORE: return "mincore of the zone's shared memory object (true residency, all processes)";
    case RES_PAGEMAP: return "union of /proc/PID/pagemap over nginx's processes (not root: pages mapped into one of them)";
    case RES_CORE_NONZERO: return "core file: pages with non-zero content (zero pages cannot be told from untouched ones)";
    default: return "unavailable";
    }
}

static void ngx_shm_pages_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct gdb_reader_state progress;
    /* every read here is exact: no read-ahead near shared zones */
    struct mem_reader raw = gdb_reader(&progress, "ngx-shm-pages");
    struct args a;
    char err[512], why[256] = "", b[6][32];
    args_split_or_error(&a, args, "ngx-shm-pages");
    bool json = args_flag(&a, "--json");
    args_flag(&a, "--all-workers");   /* residency is of the shared object: always all */
    const char *only = args_take(&a);
    args_require_done(&a, "ngx-shm-pages");
    struct nginx_state st;
    if (!nginx_state_find(&raw, &st, err, sizeof err))
        ngxmem_error("ngx-shm-pages: %s", err);
    static struct ngx_zone zones[256];
    /* zone headers are read exactly: see ngx-shm-zones */
    int nz = nginx_shm_zones(&raw, &st, zones, 256, err, sizeof err);
    if (nz < 0)
        ngxmem_error("ngx-shm-pages: %s", err);

    pid_t pid = residency_nginx_pid(&raw);
    enum residency_method method = RES_UNAVAILABLE;
    enum residency_source source = residency_source_of(pid);
    bool live = source == SOURCE_LIVE, core = source == SOURCE_CORE;
    if (!live && !core)
        snprintf(why, sizeof why, "not a live process on this machine nor a core file "
                 "(remote target?): reading pages would load them");

    uint64_t ps = st.pagesize, tot_pages = 0, tot_loaded = 0;
    if (json)
        ngxmem_printf("{\"zones\":[");
    else
        ngxmem_printf("%-20s %10s %10s %10s %12s %12s\n", "zone", "size", "loaded",
                      "unloaded", "metadata", "data");
    int shown = 0;
    for (int i = 0; i < nz; i++) {
        const struct ngx_zone *z = &zones[i];
        if (only && !inferior_text_equals(&z->name, only))
            continue;
        char name[TEXT_OUT], unbacked[160];
        if (!residency_range_backed(&raw, pid, source, z->addr, z->size, unbacked,
                                    sizeof unbacked)) {
            if (json)
                ngxmem_printf("%s{\"name\":\"%s\",\"size\":%llu,\"loaded_bytes\":null,"
                              "\"unloaded_bytes\":null,\"error\":\"shm.size: %s\"}",
                              shown ? "," : "", text_json(&z->name, name),
                              (unsigned long long)z->size, unbacked);
            else
                ngxmem_printf("%-20s %10s not read: shm.size says %s\n",
                              text_terminal(&z->name, name), format_bytes(z->size, b[0], 32),
                              unbacked);
            shown++;
            continue;
        }
        struct zone_pages zp = { .pages = z->size / ps };
        uint64_t start = 0;
        if (z->slab_ok && mem_read_u64(&raw, z->addr + NGX_SP_START, &start) && start > z->addr &&
            start < z->addr + z->size)
            zp.meta_pages = (start - z->addr) / ps;
        /* nothing to fill for a remote target: its pages stay untouched */
        unsigned char *res __attribute__((cleanup(free_bytes))) =
            calloc(live || core ? zp.pages + 1 : 1, 1);
        if (!res)
            ngxmem_error("ngx-shm-pages: out of memory");
        if (live)
            method = residency_live(pid, z->addr, zp.pages * ps, ps, res, why, sizeof why);
        else if (core) {
            method = RES_CORE_NONZERO;
            core_nonzero_pages(&raw, z->addr, zp.pages * ps, ps, res);
        }
        for (uint64_t p = 0; p < zp.pages; p++)
            if (res[p]) {
                zp.loaded++;
                if (p < zp.meta_pages)
                    zp.meta_loaded++;
            }
        bool known = method != RES_UNAVAILABLE;
        tot_pages += zp.pages;
        tot_loaded += zp.loaded;
        if (json) {
            ngxmem_printf("%s{\"name\":\"%s\",\"size\":%llu,", shown ? "," : "",
                          text_json(&z->name, name),
                          (unsigned long long)z->size);
            if (known)
                ngxmem_printf("\"loaded_bytes\":%llu,\"unloaded_bytes\":%llu,"
                              "\"metadata_pages\":%llu,\"metadata_loaded_bytes\":%llu,"
                              "\"data_loaded_bytes\":%llu}",
                              (unsigned long long)(zp.loaded * ps),
                              (unsigned long long)((zp.pages - zp.loaded) * ps),
                              (unsigned long long)zp.meta_pages,
                              (unsigned long long)(zp.meta_loaded * ps),
                              (unsigned long long)((zp.loaded - zp.meta_loaded) * ps));
            else
                ngxmem_printf("\"loaded_bytes\":null,\"unloaded_bytes\":null}");
        } else if (known) {
            ngxmem_printf("%-20s %10s %10s %10s %12s %12s\n", text_terminal(&z->name, name),
                          format_bytes(z->size, b[0], 32), format_bytes(zp.loaded * ps, b[1], 32),
                          format_bytes((zp.pages - zp.loaded) * ps, b[2], 32),
                          format_bytes(zp.meta_loaded * ps, b[3], 32),
                          format_bytes((zp.loaded - zp.meta_loaded) * ps, b[4], 32));
        } else {
            ngxmem_printf("%-20s %10s %10s\n", text_terminal(&z->name, name),
                          format_bytes(z->size, b[0], 32), "?");
        }
        shown++;
    }
    if (only && !shown)
        ngxmem_error("ngx-shm-pages: no zone \"%s\" (see ngx-shm-zones)", only);
    if (json) {
        ngxmem_printf("],\"method\":\"%s\",\"pid\":%d", method == RES_MINCORE ? "mincore"
                      : method == RES_PAGEMAP ? "pagemap" : method == RES_CORE_NONZERO ? "core"
                      : "unavailable", (int)pid);
        ngxmem_printf(",\"note\":\"%s\"}\n", method == RES_UNAVAILABLE || method == RES_PAGEMAP ? why : "");
        return;
    }
    ngxmem_printf("%-20s %10s %10s %10s\n", "total", format_bytes(tot_pages * ps, b[0], 32),
                  method != RES_UNAVAILABLE ? format_bytes(tot_loaded * ps, b[1], 32) : "?",
                  method != RES_UNAVAILABLE ? format_bytes((tot_pages - tot_loaded) * ps, b[2], 32)
                                            : "?");
    ngxmem_printf("loaded = %s%s%s\n", method_name(method), why[0] ? ": " : "", why);
}

static const char pages_help[] =
    "Show how much of each shared memory zone is really in RAM.\n"
    "Usage: ngx-shm-pages [ZONE] [--all-workers] [--json]\n"
    "Zones are demand-paged: a 100 MiB lua_shared_dict costs ~608 KiB until keys\n"
    "arrive. Loaded pages are counted without touching any page (reading an\n"
    "untouched shared page would load it): with mincore() on the zone's shared\n"
    "object for a live process (root; covers every worker, so --all-workers is\n"
    "implied), else the union of the nginx processes' pagemaps; in a core, pages\n"
    "with non-zero content; unavailable for remote targets. Loaded pages that keep\n"
    "growing until the zone is full, then stop, are a \"fake leak\": the zone\n"
    "filling up to its configured size, not a leak. Split: slab metadata vs data.\n"
    "Example: ngx-shm-pages dogs";

void nginx_shm_pages_register(void)
{
    ngxmem_register_command("ngx-shm-pages", ngx_shm_pages_command, pages_help);
}
