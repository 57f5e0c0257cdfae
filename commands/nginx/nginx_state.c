#include "nginx_state.h"

#include "elf_memory.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const struct nginx_cycle_layout layouts[] = {
    { "1.19-1.29.6 (and 1.29.7+ without --with-compat)", 432, 528, 648, 192, 136 },
    /* before ngx_cycle_t.connections_reuse_time (Debian 11's 1.18.0) */
    { "1.11.7-1.18", 424, 520, 624, 192, 136 },
    { "1.29.7+ --with-compat", 472, 568, 688, 192, 176 },
    { "1.10-1.11.5", 352, 448, 552, 176, 136 },
};

/* How well layout L fits: -1 not at all; else how many zones it proves.
 * shared_memory is an ngx_list_t of ngx_shm_zone_t (last, part {elts,
 * nelts, next}, size, nalloc, pool): its element size says which zone
 * layout is in use and it was made from the cycle's own pool; each zone
 * whose memory can be read starts with a slab pool whose addr field is
 * the zone's own address. A core without the zones' memory, or a zone
 * whose header is corrupt, proves nothing either way. */
static int shared_memory_fit(const struct mem_reader *m, uint64_t cycle, uint64_t cycle_pool,
                             const struct nginx_cycle_layout *l, uint32_t *zone_size)
{
    uint64_t list = cycle + l->shared_memory, h[7], probe;
    if (mem_read(m, list, h, sizeof h) != 0 || (h[4] != 88 && h[4] != 80) || h[6] != cycle_pool ||
        h[2] > h[5] || (h[2] && !mem_read_u64(m, h[1], &probe)))
        return -1;
    int proven = 0;
    for (uint64_t i = 0; i < h[2] && i < 64; i++) {
        uint64_t shm_addr, slab_addr;
        if (!mem_read_u64(m, h[1] + i * h[4] + 8, &shm_addr))
            return -1;
        proven += mem_read_u64(m, shm_addr + l->slab_addr, &slab_addr) && slab_addr == shm_addr;
    }
    *zone_size = (uint32_t)h[4];
    return proven;
}

static void find_version(const struct mem_reader *m, uint64_t near, struct nginx_state *st)
{
    struct elf_memory e;
    static const char tag[] = "Server: nginx/";
    uint64_t at;
    char buf[24] = "";
    if (!elf_memory_from_address(m, near, &e) || !elf_memory_find(m, &e, tag, sizeof tag - 1, &at) ||
        mem_read(m, at + sizeof tag - 1, buf, sizeof buf - 1) != 0)
        return;
    inferior_text_set(&st->version, buf, strcspn(buf, "\r\n"));
}

/* With nginx debug info, GDB knows the true offsets: compare every one
 * the analysis uses with what the self-checks chose. Offsets of the cycle
 * are then taken from the debug info (a vendor patch may move them); the
 * fixed ones are only reported. "&((T *) 0)[1]" is sizeof(T). */
static void check_layout_with_dwarf(const struct mem_reader *m, struct nginx_state *st)
{
    struct nginx_cycle_layout *l = &st->layout;
    const struct { const char *expr; uint32_t table; uint32_t *use; } fields[] = {
        { "((ngx_cycle_t *) 0)->shared_memory", l->shared_memory, &l->shared_memory },
        { "((ngx_cycle_t *) 0)->old_cycle", l->old_cycle, &l->old_cycle },
        { "((ngx_cycle_t *) 0)->modules", l->modules, &l->modules },
        { "((ngx_cycle_t *) 0)[1]", l->size_of, &l->size_of },
        { "((ngx_cycle_t *) 0)->pool", NGX_POOL_OFF, NULL },
        { "((ngx_shm_zone_t *) 0)[1]", st->shm_zone_size, NULL },
        { "((ngx_shm_zone_t *) 0)->shm.addr", NGX_ZONE_ADDR, NULL },
        { "((ngx_shm_zone_t *) 0)->shm.size", NGX_ZONE_SIZE, NULL },
        { "((ngx_shm_zone_t *) 0)->tag", NGX_ZONE_TAG, NULL },
        { "((ngx_slab_pool_t *) 0)->addr", l->slab_addr, NULL },
        { "((ngx_slab_pool_t *) 0)->min_shift", NGX_SP_MIN_SHIFT, NULL },
        { "((ngx_slab_pool_t *) 0)->pages", NGX_SP_PAGES, NULL },
        { "((ngx_slab_pool_t *) 0)->last", NGX_SP_LAST, NULL },
        { "((ngx_slab_pool_t *) 0)->free", NGX_SP_FREE, NULL },
        { "((ngx_slab_pool_t *) 0)->stats", NGX_SP_STATS, NULL },
        { "((ngx_slab_pool_t *) 0)->pfree", NGX_SP_PFREE, NULL },
        { "((ngx_slab_pool_t *) 0)->start", NGX_SP_START, NULL },
        { "((ngx_slab_pool_t *) 0)->end", NGX_SP_END, NULL },
    };
    int checked = 0, differ = 0;
    char diff[200] = "";
    size_t n = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        uint64_t off;
        /* without nginx's debug info every one fails, each failure a
         * search of every symbol table GDB has (~7 ms with libc's debug
         * info): the first says it for all */
        if (!mem_symbol(m, fields[i].expr, &off)) {
            if (i == 0)
                break;
            continue;
        }
        checked++;
        if (off == fields[i].table)
            continue;
        differ++;
        if (n < sizeof diff)
            n += (size_t)snprintf(diff + n, sizeof diff - n, "%s%s at %llu (table %u)",
                                  differ > 1 ? ", " : "", fields[i].expr,
                                  (unsigned long long)off, fields[i].table);
        if (fields[i].use && off < 4096)
            *fields[i].use = (uint32_t)off;
    }
    st->debug_info = checked > 0;
    if (!checked)
        snprintf(st->layout_check, sizeof st->layout_check,
                 "no nginx debug info: layout chosen by self-checks");
    else if (!differ)
        snprintf(st->layout_check, sizeof st->layout_check,
                 "nginx debug info agrees with the layout (%d offsets)", checked);
    else
        snprintf(st->layout_check, sizeof st->layout_check,
                 "nginx debug info disagrees with the layout: %s; using debug info", diff);
}

bool nginx_state_find(const struct mem_reader *m, struct nginx_state *st, char *err,
                      size_t errlen)
{
    memset(st, 0, sizeof *st);
    uint64_t sym;
    if (!mem_symbol(m, "ngx_cycle", &sym) || !mem_read_u64(m, sym, &st->cycle) || !st->cycle) {
        snprintf(err, errlen, "no ngx_cycle here: is this an nginx process (or its core)?");
        return false;
    }
    if (!mem_symbol(m, "ngx_old_cycles", &st->old_cycles))
        st->old_cycles = 0;
    uint64_t ps;
    st->pagesize = mem_symbol(m, "ngx_pagesize", &ps) && mem_read_u64(m, ps, &st->pagesize)
                       ? st->pagesize : 0;
    if (!st->pagesize || st->pagesize & (st->pagesize - 1))
        st->pagesize = 4096;
    find_version(m, sym, st);
    uint64_t proc, kind;
    st->process = mem_symbol(m, "ngx_process", &proc) && mem_read_u64(m, proc, &kind) &&
                          kind <= NGX_PROCESS_HELPER ? (int)kind : -1;
    uint64_t core, sig;
    if (mem_symbol(m, "ngx_core_module", &core) && mem_read_u64(m, core + 48, &sig))
        inferior_text_read(m, sig, INFERIOR_TEXT_MAX, true, &st->signature);
    /* "8,4,8," then 34 feature flags; the last is NGX_COMPAT (ngx_module.h) */
    const char *sg = st->signature.unsafe_bytes;
    st->compat = st->signature.len == 6 + 34 && memcmp(sg, "8,4,8,", 6) == 0
                     ? sg[6 + 34 - 1] == '1' : -1;

    /* the cycle pool's first block is NGX_CYCLE_POOL_SIZE long, in every layout */
    uint64_t pool, end;
    if (!mem_read_u64(m, st->cycle + NGX_POOL_OFF, &pool) || !mem_read_u64(m, pool + 8, &end) ||
        end - pool != NGX_CYCLE_POOL_SIZE) {
        snprintf(err, errlen, "ngx_cycle 0x%llx does not look like an nginx cycle (its pool "
                 "is not a %d-byte block)", (unsigned long long)st->cycle, NGX_CYCLE_POOL_SIZE);
        return false;
    }
    /* the layout the most zones prove; with none proven (no zone memory
     * in a core), the one layout whose list fits, if only one does */
    int best = -1, best_fit = -1, fitting = 0;
    uint32_t zone_size = 0;
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        uint32_t zs;
        int fit = shared_memory_fit(m, st->cycle, pool, &layouts[i], &zs);
        fitting += fit >= 0;
        if (fit > best_fit) {
            best = (int)i;
            best_fit = fit;
            zone_size = zs;
        }
    }
    if (best >= 0 && (best_fit > 0 || fitting == 1)) {
        st->layout = layouts[best];
        st->L = &st->layout;
        st->shm_zone_size = zone_size;
        check_layout_with_dwarf(m, st);
        if (best_fit == 0)
            st->zones_unproven = true;
        return true;
    }
    char version[TEXT_OUT];
    snprintf(err, errlen, "no known ngx_cycle_t layout fits nginx %s at 0x%llx%s",
             st->version.len ? text_terminal(&st->version, version) : "(unknown version)",
             (unsigned long long)st->cycle,
             fitting > 1 ? " (several fit and no zone's memory tells them apart)" : "");
    return false;
}
