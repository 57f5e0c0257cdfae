#define _GNU_SOURCE
#include "rss_breakdown.h"

#include "core_file.h"
#include "target_maps.h"
#include "grow_array.h"
#include "lower_bound.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { RUN_PAGES = 64 };

const char *const rss_category_ids[RSS_COUNT] = {
    "nginx_cycle_pools", "nginx_other_pools", "glibc_in_use", "glibc_free_resident", "luajit", "shm_zone", "shm_other", "stack",
    "code", "code_data", "other_file", "other_anonymous",
};

const char *const rss_category_labels[RSS_COUNT] = {
    "nginx cycle pools (heap)",
    "other nginx pools (heap)",
    "glibc heap in use, other",
    "glibc heap free, resident",
    "LuaJIT's allocator",
    "shared zone",
    "other shared memory",
    "thread stacks",
    "program and library code",
    "program and library data",
    "other file mappings",
    "other anonymous memory",
};

/* The free part of a free chunk: past its header and list pointers (a
 * page holding those is written, so counted as in use). */
enum { FREE_CHUNK_OVERHEAD = 64, STACKS_MAX = 4096 };

void rss_breakdown_release(struct rss_breakdown *b)
{
    for (size_t i = 0; i < b->nheap; i++) {
        free(b->heap[i].present);
        free(b->heap[i].block_before);
    }
    free(b->heap);
    free(b->zones);
    smaps_release(&b->smaps);
    b->heap = NULL;
    b->nheap = 0;
    b->zones = NULL;
    b->nzones = 0;
}

static bool read_pagemap(struct rss_breakdown *b, struct rss_heap_mapping *h)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", (int)b->pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    uint64_t pages = (h->end - h->start) / b->page_size, entries[512];
    bool ok = true;
    for (uint64_t done = 0; ok && done < pages;) {
        uint64_t n = pages - done < 512 ? pages - done : 512;
        off_t at = (off_t)((h->start / b->page_size + done) * sizeof entries[0]);
        ssize_t got = pread(fd, entries, n * sizeof entries[0], at);
        ok = got == (ssize_t)(n * sizeof entries[0]);
        for (uint64_t i = 0; ok && i < n; i++)
            h->present[done + i] = (entries[i] >> 63) & 1;
        done += n;
    }
    close(fd);
    return ok;
}

/* Private writable anonymous memory is where a heap can be: its pagemap is
 * read with the mappings, before anything reads the inferior. */
static bool heap_candidate(const struct smaps_mapping *m)
{
    return m->inode == 0 && m->perms[1] == 'w' && m->perms[3] == 'p' &&
           (m->path[0] == '\0' || strcmp(m->path, "[heap]") == 0);
}

/* With a pid, the pagemap of each candidate too. */
static void read_candidate_pagemaps(struct rss_breakdown *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->smaps.n; i++)
        n += heap_candidate(&b->smaps.m[i]);
    b->heap = calloc(n ? n : 1, sizeof *b->heap);
    b->pagemap_ok = b->heap != NULL && b->pid;
    for (size_t i = 0; i < b->smaps.n && b->heap; i++) {
        const struct smaps_mapping *m = &b->smaps.m[i];
        if (!heap_candidate(m))
            continue;
        struct rss_heap_mapping *h = &b->heap[b->nheap++];
        *h = (struct rss_heap_mapping){ .start = m->start, .end = m->end };
        if (!b->pagemap_ok)
            continue;
        /* the mapping's size is the kernel's, not the inferior's */
        uint64_t pages = (m->end - m->start) / b->page_size;
        h->present = calloc(pages ? pages : 1, 1);
        h->block_before = calloc(pages / RUN_PAGES + 2, sizeof *h->block_before);
        b->pagemap_ok = h->present && h->block_before && read_pagemap(b, h);
        for (uint64_t i = 0; b->pagemap_ok && i < pages; i += RUN_PAGES) {
            uint32_t n = 0;
            for (uint64_t j = i; j < i + RUN_PAGES && j < pages; j++)
                n += h->present[j];
            h->block_before[i / RUN_PAGES + 1] = h->block_before[i / RUN_PAGES] + n;
        }
    }
}

void rss_breakdown_heap_segment(struct rss_breakdown *b, uint64_t start, uint64_t end)
{
    for (size_t k = 0; k < b->nheap; k++)
        if (b->heap[k].start < end && start < b->heap[k].end)
            b->heap[k].is_heap = true;
}

bool rss_breakdown_begin_core(struct rss_breakdown *b, const char *core, char *why,
                              size_t whylen)
{
    memset(b, 0, sizeof *b);
    long ps = sysconf(_SC_PAGESIZE);
    b->page_size = ps > 0 ? (uint64_t)ps : 4096;
    b->from_core = true;
    if (!target_maps_core(core, &b->smaps, &b->core_missing, &b->core_truncated, why, whylen))
        return false;
    for (size_t i = 0; i < b->smaps.n; i++)
        b->rollup_rss += b->smaps.m[i].rss;
    b->rollup_pss = b->rollup_rss;
    b->rollup_ok = true;
    read_candidate_pagemaps(b);
    return true;
}

bool rss_breakdown_begin(struct rss_breakdown *b, pid_t pid, char *why, size_t whylen)
{
    memset(b, 0, sizeof *b);
    b->pid = pid;
    long ps = sysconf(_SC_PAGESIZE);
    b->page_size = ps > 0 ? (uint64_t)ps : 4096;
    if (!smaps_read(pid, &b->smaps, why, whylen))
        return false;
    b->rollup_ok = smaps_rollup(pid, &b->rollup_rss, &b->rollup_pss);
    read_candidate_pagemaps(b);
    return true;
}

/* The first of B's heap candidates (in address order, as the mappings
 * are) that ends above ADDR: every free chunk of a walk asks, so no scan. */
static size_t heap_mapping_from(const struct rss_breakdown *b, uint64_t addr)
{
    return FIRST_WHERE(b->nheap, i, b->heap[i].end > addr);
}

/* Present pages of H among its pages [I, J). */
static uint64_t present_pages(const struct rss_heap_mapping *h, uint64_t i, uint64_t j)
{
    uint64_t n = 0;
    while (i < j && i % RUN_PAGES)
        n += h->present[i++];
    for (; i + RUN_PAGES <= j; i += RUN_PAGES)
        n += h->block_before[i / RUN_PAGES + 1] - h->block_before[i / RUN_PAGES];
    while (i < j)
        n += h->present[i++];
    return n;
}

/* Bytes of [LO, HI) (inside H, which has a pagemap) lying in present
 * pages. Bounded work whatever the range: sizes read from the inferior
 * (a pool's chunk, a LuaJIT segment) may claim a whole mapping. */
static uint64_t resident_bytes(const struct rss_heap_mapping *h, uint64_t ps, uint64_t lo,
                               uint64_t hi)
{
    if (lo >= hi)
        return 0;
    uint64_t first = (lo - h->start) / ps, last = (hi - 1 - h->start) / ps;
    if (first == last)
        return h->present[first] * (hi - lo);
    return h->present[first] * (h->start + (first + 1) * ps - lo) +
           present_pages(h, first + 1, last) * ps +
           h->present[last] * (hi - (h->start + last * ps));
}

void rss_breakdown_free_chunk(struct rss_breakdown *b, uint64_t addr, uint64_t size)
{
    if (size <= FREE_CHUNK_OVERHEAD || addr + size < addr)
        return;
    uint64_t ps = b->page_size;
    uint64_t from = (addr + FREE_CHUNK_OVERHEAD + ps - 1) / ps * ps, to = (addr + size) / ps * ps;
    for (size_t k = heap_mapping_from(b, from); k < b->nheap && b->heap[k].start < to; k++) {
        struct rss_heap_mapping *h = &b->heap[k];
        if (!h->is_heap || !h->present)
            continue;
        uint64_t lo = from > h->start ? from : h->start, hi = to < h->end ? to : h->end;
        h->free_resident += resident_bytes(h, ps, lo, hi);
    }
}

void rss_breakdown_pool_chunk(struct rss_breakdown *b, bool cycle, uint64_t addr,
                              uint64_t size)
{
    uint64_t end = addr + size;
    if (end <= addr)
        return;
    for (size_t k = heap_mapping_from(b, addr); k < b->nheap && b->heap[k].start < end; k++) {
        struct rss_heap_mapping *h = &b->heap[k];
        if (!h->is_heap)
            continue;
        uint64_t lo = addr > h->start ? addr : h->start, hi = end < h->end ? end : h->end;
        h->pool_resident[!cycle] += h->present ? resident_bytes(h, b->page_size, lo, hi)
                                               : hi - lo;
    }
}

void rss_breakdown_lua_segment(struct rss_breakdown *b, uint64_t start, uint64_t end)
{
    uint64_t ps = b->page_size;
    if (end <= start)
        return;
    for (size_t k = heap_mapping_from(b, start); k < b->nheap && b->heap[k].start < end; k++) {
        struct rss_heap_mapping *h = &b->heap[k];
        if (h->is_heap)
            continue;
        uint64_t lo = start > h->start ? start : h->start, hi = end < h->end ? end : h->end;
        h->lua_bytes += hi - lo;
        /* whole pages: those the segment touches */
        uint64_t page_hi = (hi + ps - 1) / ps * ps;
        if (h->present)
            h->lua_resident += resident_bytes(h, ps, lo & ~(ps - 1),
                                              page_hi < h->end ? page_hi : h->end);
    }
}

bool rss_breakdown_zone(struct rss_breakdown *b, uint64_t start, uint64_t end)
{
    if (!grow_array(&b->zones, &b->zones_cap, (size_t)b->nzones, sizeof *b->zones, 8))
        return false;
    b->zones[b->nzones++] = (struct rss_zone){ .start = start, .end = end };
    return true;
}

/* RSS_SHARE of M's Rss to P; a split mapping shares its PSS and
 * private/shared figures pro rata, and its swap goes with WITH_SWAP. */
static uint64_t pro_rata(uint64_t value, uint64_t share, uint64_t whole)
{
    /* 128 bits: a 5 GiB mapping's PSS times its share overflows 64 */
    return (uint64_t)((unsigned __int128)value * share / whole);
}

static void add(struct rss_part *p, const struct smaps_mapping *m, uint64_t rss_share,
                bool with_swap)
{
    uint64_t whole = m->rss ? m->rss : 1;
    p->rss += rss_share;
    p->pss += pro_rata(m->pss, rss_share, whole);
    p->private_bytes += pro_rata(m->private_bytes, rss_share, whole);
    p->shared_bytes += pro_rata(m->shared_bytes, rss_share, whole);
    p->swap += with_swap ? m->swap : 0;
}

static bool anonymous(const struct smaps_mapping *m)
{
    return m->inode == 0;
}

/* Does PATH have an executable mapping (a program or a library)? */
static bool has_code(const struct smaps *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->m[i].perms[2] == 'x' && strcmp(s->m[i].path, path) == 0)
            return true;
    return false;
}

/* A core holds no code segments to tell programs and libraries from other
 * files by: their files, when this machine has them, are ELF. The path
 * comes from the core: only a regular file is opened (never a device or a
 * FIFO it might name). */
static bool elf_file(const char *path)
{
    unsigned char magic[4] = { 0 };
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    bool elf = fd >= 0 && pread(fd, magic, 4, 0) == 4 && memcmp(magic, "\177ELF", 4) == 0;
    if (fd >= 0)
        close(fd);
    return elf;
}

static enum rss_category category_of(const struct rss_breakdown *b,
                                     const struct smaps_mapping *m, const uint64_t *sp,
                                     int nsp, int *zone)
{
    *zone = -1;
    for (int z = 0; z < b->nzones; z++)
        if (m->start < b->zones[z].end && b->zones[z].start < m->end) {
            *zone = z;
            return RSS_SHM_ZONE;
        }
    if (strcmp(m->path, "[stack]") == 0)
        return RSS_STACK;
    for (int i = 0; i < nsp; i++)
        if (sp[i] >= m->start && sp[i] < m->end && anonymous(m))
            return RSS_STACK;
    if (m->path[0] == '[' && strcmp(m->path, "[heap]") != 0)   /* [vdso], [vvar] */
        return RSS_CODE;
    if (m->perms[3] == 's' || strncmp(m->path, "/dev/zero", 9) == 0 ||
        strncmp(m->path, "/SYSV", 5) == 0)
        return RSS_SHM_OTHER;
    if (!anonymous(m))
        return m->perms[2] == 'x' ? RSS_CODE
               : has_code(&b->smaps, m->path) || (b->from_core && elf_file(m->path))
                   ? RSS_CODE_DATA : RSS_OTHER_FILE;
    return RSS_OTHER_ANON;
}

void rss_breakdown_finish(struct rss_breakdown *b)
{
    static uint64_t sp[STACKS_MAX];
    int nsp = proc_thread_sps(b->pid, sp, STACKS_MAX);
    b->thread_count = (uint64_t)nsp;
    memset(b->parts, 0, sizeof b->parts);
    for (int z = 0; z < b->nzones; z++)
        memset(&b->zones[z].part, 0, sizeof b->zones[z].part);
    for (size_t i = 0; i < b->smaps.n; i++) {
        const struct smaps_mapping *m = &b->smaps.m[i];
        size_t k = heap_mapping_from(b, m->start);
        const struct rss_heap_mapping *h =
            k < b->nheap && b->heap[k].start == m->start && b->heap[k].is_heap ? &b->heap[k]
                                                                              : NULL;
        if (h || (strcmp(m->path, "[heap]") == 0)) {
            uint64_t free_rss = h && b->pagemap_ok && h->free_resident <= m->rss
                                    ? h->free_resident : 0;
            /* pool chunks and whole free pages never share a page's bytes */
            uint64_t left = m->rss - free_rss;
            add(&b->parts[RSS_GLIBC_FREE], m, free_rss, false);
            for (int kind = 0; h && kind < 2; kind++) {
                uint64_t pools = h->pool_resident[kind] < left ? h->pool_resident[kind] : left;
                add(&b->parts[kind ? RSS_OTHER_POOLS : RSS_CYCLE_POOLS], m, pools, false);
                left -= pools;
            }
            add(&b->parts[RSS_GLIBC_IN_USE], m, left, true);
            continue;
        }
        int zone;
        enum rss_category c = category_of(b, m, sp, nsp, &zone);
        if (k < b->nheap && b->heap[k].start == m->start && b->heap[k].lua_bytes &&
            c == RSS_OTHER_ANON) {
            /* live: its present pages; a core: what it holds of them */
            const struct rss_heap_mapping *l = &b->heap[k];
            uint64_t lua = b->pagemap_ok ? l->lua_resident : l->lua_bytes;
            lua = lua < m->rss ? lua : m->rss;
            add(&b->parts[RSS_LUA], m, lua, false);
            add(&b->parts[c], m, m->rss - lua, true);
            continue;
        }
        add(&b->parts[c], m, m->rss, true);
        if (zone >= 0)
            add(&b->zones[zone].part, m, m->rss, true);
    }
}
