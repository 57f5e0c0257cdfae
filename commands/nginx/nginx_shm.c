#include "nginx_shm.h"

#include "chunk_tags.h"   /* struct cycle_check */
#include "grow_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    SLAB_PAGE = 0, SLAB_BIG = 1, SLAB_EXACT = 2, SLAB_SMALL = 3,
    MAX_PAGES = 1 << 26,
};
#define SLAB_PAGE_START (1ull << 63)
#define SLAB_PAGE_BUSY (~0ull)

void ngx_zone_list_release(struct ngx_zone_list *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* One ngx_shm_zone_t at Z into ZONE. */
static bool read_zone(const struct mem_reader *m, const struct nginx_state *st, uint64_t z,
                      struct ngx_zone *zone)
{
    uint64_t f[9];
    if (mem_read(m, z, f, sizeof f) != 0)
        return false;
    zone->entry = z;
    zone->data = f[0];
    zone->addr = f[NGX_ZONE_ADDR / 8];
    zone->size = f[NGX_ZONE_SIZE / 8];
    zone->readable = zone->slab_ok = zone->size_ok = false;
    if (!inferior_text_read(m, f[4], f[3], false, &zone->name))
        inferior_text_literal(&zone->name, "?");
    zone->tag = f[NGX_ZONE_TAG / 8];
    uint64_t namep = 0;
    if (!mem_read_u64(m, zone->tag + 16, &namep) ||
        !inferior_text_read(m, namep, 64, true, &zone->owner) ||
        zone->owner.len < 4 || memcmp(zone->owner.unsafe_bytes, "ngx_", 4) != 0) {
        char tag[40];
        snprintf(tag, sizeof tag, "(tag 0x%llx)", (unsigned long long)zone->tag);
        inferior_text_literal(&zone->owner, tag);
    }
    /* x86-64's user addresses end at 2^47 */
    zone->size_ok = zone->size && zone->size < (1ull << 47) && zone->addr < (1ull << 47) &&
                    zone->addr + zone->size <= (1ull << 47);
    snprintf(zone->size_why, sizeof zone->size_why, "%s",
             zone->size_ok ? "" : "but that is no address range");
    uint64_t h[13];
    zone->readable = mem_read(m, zone->addr, h, sizeof h) == 0;
    zone->slab_ok = zone->readable && zone->size_ok && h[3] == 3 &&
                    h[12] == zone->addr + zone->size &&
                    mem_read_u64(m, zone->addr + st->L->slab_addr, &h[0]) && h[0] == zone->addr;
    return true;
}

int nginx_shm_zones(const struct mem_reader *m, const struct nginx_state *st,
                    struct ngx_zone_list *l, char *err, size_t errlen)
{
    /* ngx_list_t: last, part {elts, nelts, next}, size, nalloc, pool */
    uint64_t list = st->cycle + st->L->shared_memory, part[3], nalloc;
    if (mem_read(m, list + 8, part, sizeof part) != 0 || !mem_read_u64(m, list + 40, &nalloc)) {
        snprintf(err, errlen, "cannot read cycle->shared_memory");
        return -1;
    }
    struct cycle_check cc;
    cycle_check_init(&cc, list + 8);
    for (int parts = 0;; parts++) {
        uint64_t elts = part[0], nelts = part[1], next = part[2];
        if (nelts > nalloc) {
            snprintf(err, errlen, "cycle->shared_memory: a part of %llu zones in a list of "
                     "parts of %llu: corrupt", (unsigned long long)nelts,
                     (unsigned long long)nalloc);
            return -1;
        }
        for (uint64_t i = 0; i < nelts; i++) {
            if (l->n == NGX_ZONES_MAX) {
                l->capped = true;
                return l->n;
            }
            if (!grow_array(&l->v, &l->cap, (size_t)l->n, sizeof *l->v, 8)) {
                snprintf(err, errlen, "out of memory for %d zones", l->n + 1);
                return -1;
            }
            if (!read_zone(m, st, elts + i * st->shm_zone_size, &l->v[l->n])) {
                snprintf(err, errlen, "cannot read shm zone %d at 0x%llx", l->n,
                         (unsigned long long)(elts + i * st->shm_zone_size));
                return -1;
            }
            l->n++;
        }
        if (!next || cycle_check_step(&cc, next) || mem_read(m, next, part, sizeof part) != 0)
            break;
        if (parts == NGX_ZONES_MAX) {   /* parts of no zones, on and on */
            l->capped = true;
            break;
        }
    }
    return l->n;
}

static int bucket_of(uint64_t n)
{
    int b = n ? 63 - __builtin_clzll(n) : 0;
    return b < SLAB_SIZE_BUCKETS ? b : SLAB_SIZE_BUCKETS - 1;
}

static void inconsistent(struct slab_report *r, const char *fmt, unsigned long long a,
                         unsigned long long b)
{
    if (!r->inconsistency[0])
        snprintf(r->inconsistency, sizeof r->inconsistency, fmt, a, b);
}

bool nginx_slab_report(const struct mem_reader *m, const struct nginx_state *st,
                       const struct ngx_zone *zone, struct slab_report *r, char *err,
                       size_t errlen)
{
    memset(r, 0, sizeof *r);
    char name[TEXT_OUT];
    text_terminal(&zone->name, name);
    uint64_t pool = zone->addr;
    uint8_t h[NGX_SP_SIZE];
    if (!zone->slab_ok || mem_read(m, pool, h, sizeof h) != 0) {
        snprintf(err, errlen, "zone \"%s\" has no valid slab pool header at 0x%llx", name,
                 (unsigned long long)pool);
        return false;
    }
    uint64_t min_shift, pages, last, stats, pfree, start, end;
    memcpy(&min_shift, h + NGX_SP_MIN_SHIFT, 8);
    memcpy(&pages, h + NGX_SP_PAGES, 8);
    memcpy(&last, h + NGX_SP_LAST, 8);
    memcpy(&stats, h + NGX_SP_STATS, 8);
    memcpy(&pfree, h + NGX_SP_PFREE, 8);
    memcpy(&start, h + NGX_SP_START, 8);
    memcpy(&end, h + NGX_SP_END, 8);
    uint64_t ps = st->pagesize, shift = (uint64_t)__builtin_ctzll(ps);
    uint64_t n = (last - pages) / 24;
    if (last < pages || (last - pages) % 24 || n > MAX_PAGES || pages < pool + NGX_SP_SIZE ||
        start < last || start + n * ps > end || end != pool + zone->size) {
        snprintf(err, errlen, "zone \"%s\": corrupt slab pool (pages 0x%llx, last 0x%llx, "
                 "start 0x%llx)", name, (unsigned long long)pages,
                 (unsigned long long)last, (unsigned long long)start);
        return false;
    }
    r->pages = n;
    r->pfree = pfree;
    r->pagesize = ps;
    r->meta_bytes = start - pool;
    r->nslots = (int)(shift - min_shift);
    r->min_shift = min_shift;
    if (r->nslots < 1 || r->nslots > SLAB_SLOTS_MAX) {
        snprintf(err, errlen, "zone \"%s\": odd slot count %d", name, r->nslots);
        return false;
    }
    for (int i = 0; i < r->nslots; i++) {
        uint64_t s[4];
        r->slots[i].size = 1ull << (min_shift + (uint64_t)i);
        if (mem_read(m, stats + 32 * (uint64_t)i, s, sizeof s) == 0) {
            r->slots[i].stat_total = s[0];
            r->slots[i].stat_used = s[1];
            r->slots[i].stat_reqs = s[2];
            r->slots[i].stat_fails = s[3];
        }
    }
    /* the descriptors must exist before their count sizes our buffer */
    uint8_t probe;
    if (n && mem_read(m, last - 1, &probe, 1) != 0) {
        snprintf(err, errlen, "zone \"%s\": its %llu page descriptors end beyond readable "
                 "memory (0x%llx)", name, (unsigned long long)n, (unsigned long long)last);
        return false;
    }
    uint64_t *desc = malloc(n ? n * 24 : 1);
    if (!desc || mem_read(m, pages, desc, n * 24) != 0) {
        free(desc);
        snprintf(err, errlen, "zone \"%s\": cannot read %llu page descriptors", name,
                 (unsigned long long)n);
        return false;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t slab = desc[3 * i], next = desc[3 * i + 1], prev = desc[3 * i + 2];
        int type = (int)(prev & 3);
        uint64_t page = start + (i << shift);
        if (type == SLAB_PAGE) {
            if (slab & SLAB_PAGE_START) {
                uint64_t run = slab & ~SLAB_PAGE_START;
                if (!run || i + run > n) {
                    inconsistent(r, "page %llu: used run of %llu pages past the end", i, run);
                    run = 1;
                }
                r->run_allocs++;
                r->run_pages += run;
                r->used_pages += run;
                r->used_slabs++;
                i += run - 1;
            } else if (next) {
                if (!slab || i + slab > n) {
                    inconsistent(r, "page %llu: free run of %llu pages past the end", i, slab);
                    slab = 1;
                }
                r->free_runs++;
                r->free_run_hist[bucket_of(slab)]++;
                r->free_pages += slab;
                if (slab > r->largest_free_run)
                    r->largest_free_run = slab;
                i += slab - 1;
            } else if (slab == SLAB_PAGE_BUSY) {
                inconsistent(r, "page %llu: busy follower without a run head (slab 0x%llx)", i,
                             slab);
            }
            continue;
        }
        /* an exact page's slab word is all bitmap (64 slots of pagesize/64
         * bytes, ngx_slab_exact_shift); the others keep the shift there */
        uint64_t sh = type == SLAB_EXACT ? shift - 6 : slab & 0xf, chunks, used;
        if (sh < min_shift || sh >= shift) {
            inconsistent(r, "page %llu: slot shift %llu out of range", i, sh);
            continue;
        }
        chunks = ps >> sh;
        int slot = (int)(sh - min_shift);
        if (type == SLAB_SMALL) {
            /* the bitmap is in the page itself; the page is in use, so reading
             * it costs no page-in */
            uint64_t words = chunks / 64, bits = 0, w;
            for (uint64_t k = 0; k < words; k++)
                if (mem_read_u64(m, page + 8 * k, &w))
                    bits += (uint64_t)__builtin_popcountll(w);
            uint64_t nbitmap = (chunks / 8) >> sh;   /* chunks holding the bitmap */
            if (nbitmap == 0)
                nbitmap = 1;
            used = bits;
            r->small_pages++;
            r->slots[slot].used += bits - nbitmap;
            r->slots[slot].total += chunks - nbitmap;
        } else if (type == SLAB_EXACT) {
            used = (uint64_t)__builtin_popcountll(slab);
            r->exact_pages++;
            r->slots[slot].used += used;
            r->slots[slot].total += chunks;
        } else {
            uint64_t map = slab >> 32;
            if (chunks < 32)
                map &= (1ull << chunks) - 1;
            used = (uint64_t)__builtin_popcountll(map);
            r->big_pages++;
            r->slots[slot].used += used;
            r->slots[slot].total += chunks;
        }
        r->slots[slot].pages++;
        r->used_pages++;
        r->used_slabs += used;
        r->free_slabs += chunks - used;
    }
    free(desc);
    if (r->free_pages != pfree)
        inconsistent(r, "free pages by walk %llu != pool->pfree %llu", r->free_pages, pfree);
    for (int i = 0; i < r->nslots; i++)
        if (r->slots[i].total != r->slots[i].stat_total ||
            r->slots[i].used != r->slots[i].stat_used)
            inconsistent(r, "slot %llu B: page walk disagrees with pool->stats (used %llu)",
                         r->slots[i].size, r->slots[i].used);
    return true;
}
