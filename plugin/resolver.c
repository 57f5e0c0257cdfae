#define _GNU_SOURCE
#include "resolver.h"

#include "anchor_resolve.h"
#include "candidate_check.h"
#include "gdb_internals.h"
#include "resolution_cache.h"
#include "symbol_names.h"
#include "symbol_sources.h"

#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gdb_internal gdb_internals[GI_COUNT] = {
    [GI_ADD_COM] = { .name = "add_com" },
    [GI_ERROR] = { .name = "error" },
    [GI_PRINTF] = { .name = "gdb_printf" },
    [GI_FPRINTF] = { .name = "gdb_printf(ui_file*)" },
    [GI_STDERR] = { .name = "current_ui_gdb_stderr_ptr" },
    [GI_TARGET_READ_MEMORY] = { .name = "target_read_memory" },
    [GI_PARSE_AND_EVAL_ADDRESS] = { .name = "parse_and_eval_address" },
    [GI_MAYBE_QUIT] = { .name = "maybe_quit" },
    [GI_SET_CMD_COMPLETER] = { .name = "set_cmd_completer" },
    [GI_COMPLETE_ON_ENUM] = { .name = "complete_on_enum" },
};

const char *gdb_internal_name(int id, int variant)
{
    if (id == GI_STDERR && variant == STREAM_VALUE)
        return "current_gdb_stderr";
    return gdb_internals[id].name;
}

const char *resolver_mode_name(enum resolver_mode m)
{
    return m == RESOLVE_SYMBOLS ? "symbols" : m == RESOLVE_ANCHORS ? "anchors"
                                                                   : "auto";
}

enum resolver_mode resolver_mode_from_env(void)
{
    const char *m = getenv("NGXMEM_RESOLVER");
    if (m && strcmp(m, "symbols") == 0)
        return RESOLVE_SYMBOLS;
    if (m && strcmp(m, "anchors") == 0)
        return RESOLVE_ANCHORS;
    return RESOLVE_AUTO;
}

static const char *rodata_string(const struct elf_image *img, uint64_t a)
{
    const struct section_view *r = &img->rodata;
    if (!section_contains(r, a) || !r->data)
        return NULL;
    const char *s = (const char *)r->data + (a - r->vaddr);
    return memchr(s, '\0', r->size - (a - r->vaddr)) ? s : NULL;
}

static void detect_version(const struct elf_image *img,
                           const struct elf_image *syms,
                           struct resolver_report *r)
{
    uint64_t a = 0;
    const char *v = NULL;
    if (syms && elf_image_symbol(syms, "version", &a))
        v = rodata_string(img, a);
    struct anchor_result ar;
    if (!v && anchor_resolve(img, ANCHOR_VERSION, 0, &ar))
        v = rodata_string(img, ar.value);
    if (v)
        snprintf(r->version, sizeof r->version, "%s", v);
    if (anchor_resolve(img, ANCHOR_PKGVERSION, 0, &ar) &&
        rodata_string(img, ar.value))
        snprintf(r->pkgversion, sizeof r->pkgversion, "%s",
                 rodata_string(img, ar.value));
    if (sscanf(r->version, "%d.%d", &r->major, &r->minor) < 1 ||
        r->major < 7 || r->major > 99)
        r->major = r->minor = 0;
}

static bool resolve_by_symbol(const struct elf_image *syms, const char *route, int id,
                              int major, struct gdb_internal *gi)
{
    for (size_t i = 0; i < symbol_names_len; i++) {
        const struct symbol_name *s = &symbol_names[i];
        if (s->target != id ||
            (major && (major < s->gdb_min || major > s->gdb_max)))
            continue;
        if (elf_image_symbol(syms, s->mangled, &gi->addr)) {
            gi->variant = s->variant;
            snprintf(gi->where, sizeof gi->where, "symbol %s (%s)", s->mangled, route);
            return true;
        }
    }
    return false;
}

static void resolve_one(const struct elf_image *img,
                        const struct elf_image *syms, const char *route, int id,
                        const struct resolver_report *r)
{
    struct gdb_internal *gi = &gdb_internals[id];
    gi->addr = 0;
    gi->anchor_site = 0;
    gi->how = FOUND_NOT;
    gi->variant = STREAM_UNKNOWN;
    gi->rejected[0] = '\0';
    if (syms && r->mode != RESOLVE_ANCHORS && resolve_by_symbol(syms, route, id, r->major, gi)) {
        gi->how = FOUND_SYMBOL;
    } else if (r->mode == RESOLVE_SYMBOLS) {
        snprintf(gi->where, sizeof gi->where, "no symbol (anchors disabled)");
    } else if (!r->major) {
        snprintf(gi->where, sizeof gi->where,
                 "no anchor: GDB's version string was not found");
    } else {
        struct anchor_result ar;
        if (anchor_resolve(img, id, r->major, &ar)) {
            gi->addr = ar.value;
            gi->anchor_site = ar.site;
            gi->variant = ar.variant;
            gi->how = FOUND_ANCHOR;
            snprintf(gi->where, sizeof gi->where, "%s, %d site%s", ar.detail,
                     ar.sites, ar.sites == 1 ? "" : "s");
        } else {
            snprintf(gi->where, sizeof gi->where, "%s", ar.detail);
        }
    }
}

/* Test hooks: a missing internal, or a wrong candidate (the function
 * that follows the right one), both of which must end in one message. */
static void apply_forced_faults(const struct elf_image *img)
{
    const char *fail = getenv("NGXMEM_RESOLVER_FAIL");
    const char *wrong = getenv("NGXMEM_RESOLVER_WRONG");
    for (int id = 0; id < GI_COUNT; id++) {
        struct gdb_internal *gi = &gdb_internals[id];
        const char *name = gdb_internal_name(id, gi->variant);
        if (fail && (strcmp(fail, name) == 0 || strcmp(fail, gi->name) == 0)) {
            gi->how = FOUND_NOT;
            gi->addr = 0;
            snprintf(gi->where, sizeof gi->where,
                     "forced failure (NGXMEM_RESOLVER_FAIL)");
        }
        uint64_t next;
        if (wrong && gi->how != FOUND_NOT &&
            (strcmp(wrong, name) == 0 || strcmp(wrong, gi->name) == 0) &&
            elf_image_next_function(img, gi->addr, &next)) {
            gi->addr = next;
            snprintf(gi->where, sizeof gi->where,
                     "forced wrong candidate (NGXMEM_RESOLVER_WRONG)");
        }
    }
}

/* The whole set is checked before anything is called: shapes, callers,
 * and no address claimed by two internals. */
static void verify_all(const struct elf_image *img)
{
    uint64_t addrs[GI_COUNT];
    unsigned callers[GI_COUNT];
    for (int id = 0; id < GI_COUNT; id++)
        addrs[id] = gdb_internals[id].how != FOUND_NOT ? gdb_internals[id].addr : 0;
    count_direct_callers(img, addrs, GI_COUNT, callers);
    for (int id = 0; id < GI_COUNT; id++) {
        struct gdb_internal *gi = &gdb_internals[id];
        if (gi->how == FOUND_NOT)
            continue;
        bool ok = candidate_check(img, id, gi->variant, gi->addr, callers[id],
                                  gi->rejected, sizeof gi->rejected);
        for (int other = 0; ok && other < GI_COUNT; other++)
            if (other != id && addrs[other] == gi->addr) {
                snprintf(gi->rejected, sizeof gi->rejected,
                         "0x%llx was also found for %s",
                         (unsigned long long)gi->addr, gdb_internals[other].name);
                ok = false;
            }
        if (!ok)
            gi->how = FOUND_NOT;
    }
}

/* R's lists of what is missing after verification; the number of
 * required internals among them. */
static int list_missing(struct resolver_report *r)
{
    int missing = 0, optional = 0;
    r->missing[0] = r->optional_missing[0] = '\0';
    for (int id = 0; id < GI_COUNT; id++) {
        if (gdb_internals[id].how != FOUND_NOT)
            continue;
        bool required = id < GI_REQUIRED_COUNT;
        char *list = required ? r->missing : r->optional_missing;
        size_t size = required ? sizeof r->missing : sizeof r->optional_missing;
        size_t len = strlen(list);
        snprintf(list + len, size - len, "%s%s",
                 (required ? missing : optional) ? ", " : "", gdb_internals[id].name);
        *(required ? &missing : &optional) += 1;
    }
    return missing;
}


int resolver_resolve_image(const struct elf_image *img,
                           struct resolver_report *r)
{
    struct elf_image dbg;
    const struct elf_image *syms = NULL;
    const char *route = ".symtab";
    uint64_t probe;
    snprintf(r->build_id, sizeof r->build_id, "%s", img->build_id);
    if (r->mode != RESOLVE_ANCHORS) {
        if (elf_image_symbol(img, "_Z5errorPKcz", &probe)) {
            syms = img;
            snprintf(r->symbols_from, sizeof r->symbols_from, "%s (.symtab)",
                     img->path);
        } else if (symbol_source_open(img, &dbg, &route, r->symbols_from,
                                      sizeof r->symbols_from) == 0) {
            syms = &dbg;
        }
    }
    detect_version(img, syms, r);
    for (int id = 0; id < GI_COUNT; id++)
        resolve_one(img, syms, route, id, r);
    if (syms == &dbg)
        elf_image_close(&dbg);
    apply_forced_faults(img);
    verify_all(img);
    return list_missing(r);
}

/* The cache's entries for this GDB, verified like a fresh resolution:
 * every internal it found must pass again, or it is not used. */
static bool resolve_from_cache(const struct elf_image *img, const char *path,
                               struct resolver_report *r, char *why, size_t whylen)
{
    if (!resolution_cache_load(path, r, why, whylen))
        return false;
    /* each address is what its anchor's rule gives at the recorded site:
     * the scan for sites is what the cache saves, not the rule */
    bool found[GI_COUNT];
    for (int id = 0; id < GI_COUNT; id++) {
        struct gdb_internal *gi = &gdb_internals[id];
        found[id] = gi->how != FOUND_NOT;
        if (found[id] && (gi->how != FOUND_ANCHOR ||
                          !anchor_confirm(img, id, r->major, gi->anchor_site, gi->addr,
                                          gi->variant))) {
            snprintf(why, whylen, "%s is not what its anchor gives", gi->name);
            return false;
        }
    }
    verify_all(img);
    for (int id = 0; id < GI_COUNT; id++)
        if (found[id] && gdb_internals[id].how == FOUND_NOT) {
            snprintf(why, whylen, "%s failed verification", gdb_internals[id].name);
            return false;
        }
    if (list_missing(r) != 0) {
        snprintf(why, whylen, "incomplete");
        return false;
    }
    return true;
}

/* The anchor scan costs most of a load: in the default mode a verified
 * cache entry for this GDB build replaces it, and a complete fresh
 * resolution is cached. The test hooks always resolve afresh. */
static int resolve_through_cache(const struct elf_image *img, struct resolver_report *r)
{
    char path[1024], why[160];
    bool cacheable = r->mode == RESOLVE_AUTO && !getenv("NGXMEM_RESOLVER_FAIL") &&
                     !getenv("NGXMEM_RESOLVER_WRONG") &&
                     resolution_cache_path(img->build_id, path, sizeof path);
    if (!cacheable) {
        snprintf(r->cache, sizeof r->cache, "off");
        return resolver_resolve_image(img, r);
    }
    snprintf(r->build_id, sizeof r->build_id, "%s", img->build_id);
    if (resolve_from_cache(img, path, r, why, sizeof why)) {
        snprintf(r->cache, sizeof r->cache, "loaded from %s", path);
        return 0;
    }
    int missing = resolver_resolve_image(img, r);
    bool anchors_only = true;
    for (int id = 0; id < GI_COUNT; id++)
        anchors_only &= gdb_internals[id].how != FOUND_SYMBOL;
    if (missing == 0 && anchors_only)
        resolution_cache_save(path, r);
    snprintf(r->cache, sizeof r->cache, "%s %s (cache: %s)",
             missing == 0 && anchors_only ? "resolved and written to"
             : missing == 0 ? "resolved by symbols, not cached:" : "resolved, not cached:",
             path, why);
    return missing;
}

static int main_program_bias(struct dl_phdr_info *info, size_t size, void *p)
{
    (void)size;
    *(uint64_t *)p = info->dlpi_addr;
    return 1;  /* the first entry is the main program */
}

/* The running code must be the file we parsed: compare a page of .text. */
static int check_bias(const struct elf_image *img, uint64_t bias)
{
    size_t n = img->text.size < 4096 ? img->text.size : 4096;
    return img->text.data &&
           memcmp((const void *)(uintptr_t)(img->text.vaddr + bias),
                  img->text.data, n) == 0;
}

int resolver_run(struct resolver_report *r)
{
    struct elf_image img;
    char err[200];
    memset(r, 0, sizeof *r);
    r->mode = resolver_mode_from_env();
    ssize_t n = readlink("/proc/self/exe", r->exe, sizeof r->exe - 1);
    if (n <= 0) {
        snprintf(r->failure, sizeof r->failure, "cannot read /proc/self/exe");
        return -1;
    }
    r->exe[n] = '\0';
    if (elf_image_open(&img, "/proc/self/exe", err, sizeof err) != 0) {
        snprintf(r->failure, sizeof r->failure, "%s", err);
        return -1;
    }
    snprintf(img.path, sizeof img.path, "%s", r->exe);   /* for messages */
    dl_iterate_phdr(main_program_bias, &r->bias);
    if (!check_bias(&img, r->bias)) {
        snprintf(r->failure, sizeof r->failure,
                 "the code of %s in memory differs from the file", r->exe);
        elf_image_close(&img);
        return -1;
    }
    int missing = resolve_through_cache(&img, r);
    elf_image_close(&img);
    for (int id = 0; id < GI_COUNT; id++)
        if (gdb_internals[id].how != FOUND_NOT)
            gdb_internals[id].addr += r->bias;
    return missing;
}
