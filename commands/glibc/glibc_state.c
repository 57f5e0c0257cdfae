#define _GNU_SOURCE
#include "glibc_state.h"

#include "heap_allocator.h"

#include "elf_memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ARENAS = 1024, MAX_RW_SCAN = 16 << 20, MAIN_ARENA_IN_USE = 1 << 20 };

static uint64_t u64_at(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void note(struct glibc_state *st, const char *text)
{
    size_t n = strlen(st->notes);
    snprintf(st->notes + n, sizeof st->notes - n, "%s%s", n ? "; " : "", text);
}

/* "GNU C Library (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36." */
static bool version_from_banner(const struct mem_reader *m,
                                const struct elf_memory *libc,
                                struct glibc_state *st)
{
    static const char tag[] = "release version 2.";
    uint64_t at;
    char buf[16] = "";
    if (!elf_memory_find(m, libc, tag, sizeof tag - 1, &at) ||
        mem_read(m, at + sizeof tag - 3, buf, sizeof buf - 1) != 0)
        return false;
    int minor;
    if (sscanf(buf, "2.%d", &minor) != 1)
        return false;
    st->minor = minor;
    snprintf(st->version, sizeof st->version, "2.%d", minor);
    return true;
}

/* *AT is where __libc_version is (0 if no symbol): with libc's debug
 * symbols it is the cheapest way to libc's image too. */
static bool version_from_symbol(const struct mem_reader *m, struct glibc_state *st,
                                uint64_t *at)
{
    char buf[16] = "";
    int minor;
    if (!mem_symbol(m, "__libc_version", at))
        *at = 0;
    if (!*at || mem_read(m, *at, buf, 8) != 0 || sscanf(buf, "2.%d", &minor) != 1)
        return false;
    st->minor = minor;
    snprintf(st->version, sizeof st->version, "2.%d", minor);
    return true;
}

/* Does the arena at X (bytes B, read from memory) look like a malloc_state:
 * every bin either empty (fd == bk == its own pseudo-chunk) or pointing
 * at 16-aligned chunks, and the next ring returning to X? */
static bool bins_look_valid(const struct glibc_layout *L, uint64_t x, const uint8_t *b)
{
    int empty = 0;
    for (int i = 1; i < GLIBC_NBINS; i++) {
        uint64_t slot = L->ms_bins + (uint64_t)(i - 1) * 16;
        uint64_t fd = u64_at(b + slot), bk = u64_at(b + slot + 8);
        uint64_t pseudo = x + slot - 16;
        if (fd == pseudo && bk == pseudo)
            empty++;
        else if (!fd || !bk || (fd & 15) || (bk & 15) || fd == pseudo || bk == pseudo)
            return false;
    }
    uint64_t top = u64_at(b + L->ms_top);
    return empty > 0 && top && !(top & 15);
}

static bool ring_returns(const struct mem_reader *m, const struct glibc_layout *L,
                         uint64_t x, uint64_t next)
{
    for (int n = 0; n < MAX_ARENAS; n++) {
        if (next == x)
            return true;
        if ((next & 0xfff) != L->hi_size_of || !mem_read_u64(m, next + L->ms_next, &next))
            return false;
    }
    return false;
}

static bool find_main_arena_in_memory(const struct mem_reader *m,
                                      const struct glibc_layout *L,
                                      const uint8_t *rw, uint64_t rw_addr,
                                      uint64_t rw_len, uint64_t *out)
{
    int found = 0;
    /* The data segment need not start 16-aligned (2.31's starts at ...768)
     * but malloc_state is. */
    for (uint64_t off = (16 - (rw_addr & 15)) & 15; off + L->ms_size <= rw_len; off += 16) {
        uint64_t x = rw_addr + off;
        if (!bins_look_valid(L, x, rw + off) ||
            !ring_returns(m, L, x, u64_at(rw + off + L->ms_next)))
            continue;
        *out = x;
        found++;
    }
    return found == 1;
}

/* mp_ keeps its tcache defaults (64 small bins; 0x408 bytes and 7 per bin
 * before 2.42, 0x411 and 16 after) unless tunables changed them, and
 * sbrk_base is where main_arena's heap began. */
static bool find_mp_in_memory(const struct glibc_layout *L, const uint8_t *rw,
                              uint64_t rw_addr, uint64_t rw_len,
                              uint64_t main_top_end, uint64_t main_system_mem,
                              uint64_t *out)
{
    int found = 0;
    uint32_t tc = L->mp_size - 0x20;  /* tcache_bins, then max_bytes, count */
    for (uint64_t off = (8 - (rw_addr & 7)) & 7; off + L->mp_size <= rw_len; off += 8) {
        const uint8_t *p = rw + off;
        if (u64_at(p + tc) != 64 || u64_at(p + tc + 8) != L->mp_default_tcache_max_bytes ||
            u64_at(p + tc + 16) != L->mp_default_tcache_count)
            continue;
        uint64_t sbrk = u64_at(p + L->mp_sbrk_base);
        if (sbrk && main_system_mem && sbrk + main_system_mem < main_top_end - 64)
            continue;
        *out = rw_addr + off;
        found++;
    }
    return found == 1;
}

/* A glibc with no measured layout is read with the nearest one only if
 * main_arena, read through it, is a malloc_state: valid bins, a top
 * chunk, and its arena ring closing. */
static bool nearest_layout_fits(const struct mem_reader *m, struct glibc_state *st,
                                char *err, size_t errlen)
{
    const struct glibc_layout *L = st->L;
    uint8_t b[0x900];
    if (mem_read(m, st->main_arena, b, L->ms_size) != 0 ||
        !bins_look_valid(L, st->main_arena, b) ||
        !ring_returns(m, L, st->main_arena, u64_at(b + L->ms_next))) {
        snprintf(err, errlen, "glibc %s has no known layout (%s have), and the nearest "
                 "(2.%d) does not fit its main_arena", st->version,
                 glibc_layout_known_versions(), L->nearest_of);
        return false;
    }
    char text[128];
    snprintf(text, sizeof text, "glibc %s read with 2.%d's layout (the nearest known; "
             "self-checks passed)", st->version, L->nearest_of);
    note(st, text);
    return true;
}

static bool read_mp(const struct mem_reader *m, struct glibc_state *st)
{
    const struct glibc_layout *L = st->L;
    uint8_t b[0x100];
    if (mem_read(m, st->mp, b, L->mp_size) != 0)
        return false;
    st->trim_threshold = u64_at(b + L->mp_trim_threshold);
    st->top_pad = u64_at(b + L->mp_top_pad);
    /* mmap_threshold follows top_pad in every malloc_par */
    st->mmap_threshold = u64_at(b + L->mp_top_pad + 8);
    int32_t n;
    memcpy(&n, b + L->mp_n_mmaps, 4);
    st->n_mmaps = n;
    st->mmapped_mem = u64_at(b + L->mp_mmapped_mem);
    st->sbrk_base = u64_at(b + L->mp_sbrk_base);
    /* tcache_max_bytes: a request size before 2.42, a chunk size bound
     * (exclusive) after; the large tcache bins end at 4 MiB chunks */
    uint64_t max_bytes = u64_at(b + L->mp_size - 0x18);
    uint64_t max_chunk = L->tcache_slots_left ? (max_bytes - 1) & ~(uint64_t)15
                                              : (max_bytes + 8 + 15) & ~(uint64_t)15;
    if (max_bytes && max_chunk <= (4 << 20))
        st->tcache_max_chunk = max_chunk;
    if (L->mp_has_hugetlb) {
        st->hp_pagesize = u64_at(b + L->mp_hp_pagesize);
        st->thp_pagesize = u64_at(b + L->mp_thp_pagesize);
    }
    return true;
}

static bool scan_libc_data(const struct mem_reader *m, struct glibc_state *st,
                           const struct elf_memory *libc, char *err, size_t errlen)
{
    const struct glibc_layout *L = st->L;
    uint64_t rw_addr = 0, rw_len = 0;
    for (int i = 0; i < libc->nloads; i++)
        if (libc->loads[i].writable) {
            rw_addr = libc->loads[i].addr;
            rw_len = libc->loads[i].size;
        }
    if (!rw_len || rw_len > MAX_RW_SCAN) {
        snprintf(err, errlen, "libc at 0x%llx has no usable data segment",
                 (unsigned long long)libc->base);
        return false;
    }
    uint8_t *rw = malloc(rw_len);
    if (!rw || mem_read(m, rw_addr, rw, rw_len) != 0) {
        free(rw);
        snprintf(err, errlen, "cannot read libc's data segment at 0x%llx",
                 (unsigned long long)rw_addr);
        return false;
    }
    bool ok = true;
    if (!st->main_arena) {
        ok = find_main_arena_in_memory(m, L, rw, rw_addr, rw_len, &st->main_arena);
        if (!ok)
            snprintf(err, errlen, "cannot identify main_arena in libc's data "
                     "(install libc6-dbg for symbols)");
    }
    if (ok && !st->mp) {
        uint8_t ms[0x900];
        uint64_t top_end = 0, sys = 0, top, tsize;
        if (mem_read(m, st->main_arena, ms, L->ms_size) == 0) {
            top = u64_at(ms + L->ms_top);
            sys = u64_at(ms + L->ms_system_mem);
            if (mem_read_u64(m, top + 8, &tsize))
                top_end = top + glibc_chunksize(tsize);
        }
        if (!find_mp_in_memory(L, rw, rw_addr, rw_len, top_end, sys, &st->mp)) {
            st->mp = 0;
            note(st, "mp_ not found: sbrk_base derived from main_arena, mmapped chunks unknown");
        }
    }
    free(rw);
    return ok;
}

static bool inside(const struct elf_memory *e, uint64_t a)
{
    for (int i = 0; i < e->nloads; i++)
        if (a >= e->loads[i].addr && a - e->loads[i].addr < e->loads[i].size)
            return true;
    return false;
}

/* No glibc version: say what was found instead, as precisely as we can. */
static void explain_no_version(const struct mem_reader *m, uint64_t malloc_trim,
                               const struct elf_memory *libc, char *err, size_t errlen)
{
    uint64_t main_fn;
    struct heap_allocator a;
    char said[160];
    if (!malloc_trim && (heap_allocator_identify(m, &a), a.kind != HEAP_ALLOC_UNKNOWN))
        snprintf(err, errlen, "no glibc here: malloc is %s",
                 heap_allocator_said(&a, said, sizeof said));
    else if (!malloc_trim)
        snprintf(err, errlen, "no glibc here: the program has no malloc_trim (not linked "
                 "with glibc, or its symbols are not loaded)");
    else if (!libc)
        snprintf(err, errlen, "malloc_trim is at 0x%llx but no ELF image can be read there "
                 "(a truncated or partial core?)", (unsigned long long)malloc_trim);
    else if (mem_symbol(m, "main", &main_fn) && inside(libc, main_fn))
        snprintf(err, errlen, "a statically linked program (malloc_trim at 0x%llx is in "
                 "the executable, not in libc.so) records no glibc version: no heap "
                 "layout can be chosen for it", (unsigned long long)malloc_trim);
    else
        snprintf(err, errlen, "libc at 0x%llx has no readable version string (a truncated "
                 "or partial core?)", (unsigned long long)libc->base);
}

/* A process whose malloc is jemalloc's or tcmalloc's (linked or
 * LD_PRELOADed) still has glibc and an empty main_arena: reading that
 * would report nothing as if it were the heap. */
static bool other_allocator_check(const struct mem_reader *m, const struct glibc_state *st,
                                  char *err, size_t errlen)
{
    struct heap_allocator a;
    heap_allocator_identify(m, &a);
    if (a.kind == HEAP_ALLOC_GLIBC || a.kind == HEAP_ALLOC_UNKNOWN)
        return true;
    char said[160];
    snprintf(err, errlen, "malloc here is %s, not glibc %s's: the glibc heap commands would "
             "show an unused heap", heap_allocator_said(&a, said, sizeof said), st->version);
    return false;
}

/* Another allocator leaves glibc's arenas unused; looking its symbols up
 * costs GDB milliseconds each, so only a small lone main arena is checked. */
static bool main_arena_in_use(const struct mem_reader *m, const struct glibc_state *st)
{
    uint64_t system_mem, next;
    return mem_read_u64(m, st->main_arena + st->L->ms_system_mem, &system_mem) &&
           mem_read_u64(m, st->main_arena + st->L->ms_next, &next) &&
           (system_mem >= MAIN_ARENA_IN_USE || next != st->main_arena);
}

bool glibc_state_find(const struct mem_reader *m, struct glibc_state *st,
                      char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    struct elf_memory libc;
    /* malloc_trim is an alias with no debug symbol of its own: with libc's
     * debug info GDB takes milliseconds to find it, __libc_version none */
    uint64_t version_at, fn = 0;
    bool have_version = version_from_symbol(m, st, &version_at);
    bool have_libc = version_at && elf_memory_from_address(m, version_at, &libc);
    if (!have_libc && mem_symbol(m, "malloc_trim", &fn))
        have_libc = elf_memory_from_address(m, fn, &libc);
    if (have_libc)
        st->libc_base = libc.base;

    if (!have_version && !(have_libc && version_from_banner(m, &libc, st))) {
        if (!fn && !mem_symbol(m, "malloc_trim", &fn))
            fn = 0;
        explain_no_version(m, fn, have_libc ? &libc : NULL, err, errlen);
        return false;
    }
    /* Test hook: how a glibc newer than every known layout is handled is
     * tested by relabelling a real one. */
    const char *pretend = getenv("NGXMEM_GLIBC_PRETEND_VERSION");
    if (pretend && sscanf(pretend, "2.%d", &st->minor) == 1)
        snprintf(st->version, sizeof st->version, "2.%d", st->minor);
    st->L = glibc_layout_for(st->minor);
    if (!st->L) {
        snprintf(err, errlen, "glibc %s is not supported (%s are)", st->version,
                 glibc_layout_known_versions());
        return false;
    }

    bool by_symbol = mem_symbol(m, "main_arena", &st->main_arena);
    if (!mem_symbol(m, "mp_", &st->mp))
        st->mp = 0;
    if (!by_symbol || !st->mp) {
        if (!have_libc) {
            snprintf(err, errlen, "cannot find libc's image to locate main_arena");
            return false;
        }
        if (!scan_libc_data(m, st, &libc, err, errlen)) {
            other_allocator_check(m, st, err, errlen);
            return false;
        }
    }
    if (!main_arena_in_use(m, st) && !other_allocator_check(m, st, err, errlen))
        return false;
    if (st->L->nearest_of && !nearest_layout_fits(m, st, err, errlen))
        return false;
    snprintf(st->found_by, sizeof st->found_by, "main_arena by %s, mp_ by %s",
             by_symbol ? "symbol" : "memory signature (libc data, bins, arena ring)",
             st->mp == 0 ? "-" : by_symbol ? "symbol" : "memory signature");
    st->tcache_max_chunk = GLIBC_TCACHE_SMALL_MAX_CHUNK;
    if (st->mp && !read_mp(m, st)) {
        snprintf(err, errlen, "cannot read mp_ at 0x%llx", (unsigned long long)st->mp);
        return false;
    }

    uint64_t a, v;
    if (st->L->tcache_key == TCACHE_KEY_RANDOM && mem_symbol(m, "tcache_key", &a) &&
        mem_read_u64(m, a, &v)) {
        st->tcache_key = v;
        st->have_tcache_key = true;
    }
    st->global_max_fast = st->L->nfastbins ? GLIBC_DEFAULT_MXFAST : 0;
    if (!st->L->nfastbins)
        ;                                  /* 2.43+: no fastbins at all */
    else if (mem_symbol(m, "global_max_fast", &a) && mem_read_u64(m, a, &v) && v <= 0xb0)
        st->global_max_fast = v;
    else
        note(st, "global_max_fast assumed 0x80 (default)");
    st->heap_max = st->hp_pagesize ? 4 * st->hp_pagesize : GLIBC_HEAP_MAX_DEFAULT;
    return true;
}
