#include "lua_alloc.h"

#include "block_cache.h"

#include <stdio.h>
#include <string.h>

/* lj_alloc.c: chunks {prev_foot, head}, 8-byte aligned; head's low bits
 * PINUSE (1) and CINUSE (2); a segment's walk ends at the top chunk or a
 * fencepost (head INUSE_BITS | 8) before its record */
enum {
    LJ_PINUSE = 1, LJ_CINUSE = 2, LJ_INUSE = 3, LJ_FENCEPOST = LJ_INUSE | 8,
    LJ_ALIGN = 8, LJ_MIN_CHUNK = 32,
    /* a free chunk keeps its header and links (a tree chunk's: 7 words) */
    LJ_FREE_KEEP = 56, LJ_PAGE = 4096,
    /* malloc_state: smallmap, treemap (4 bytes each), dvsize, topsize, dv, top */
    LJ_MS_DVSIZE = 8, LJ_MS_TOPSIZE = 16, LJ_MS_DV = 24, LJ_MS_TOP = 32,
};

static int size_class(uint64_t size)
{
    int i = 0;
    while (i + 1 < LUA_ALLOC_SIZE_CLASSES && size >= lua_alloc_class_from(i + 1))
        i++;
    return i;
}

/* Whole pages of [LO, HI) */
static uint64_t whole_pages(uint64_t lo, uint64_t hi)
{
    lo = (lo + LJ_PAGE - 1) & ~(uint64_t)(LJ_PAGE - 1);
    hi &= ~(uint64_t)(LJ_PAGE - 1);
    return hi > lo ? hi - lo : 0;
}

static void inconsistent(struct lua_alloc_stats *s, uint64_t at, const char *why)
{
    if (!s->inconsistency[0])
        snprintf(s->inconsistency, sizeof s->inconsistency, "chunk at 0x%llx: %s",
                 (unsigned long long)at, why);
}

/* Segment [BASE, END): its chunks from BASE up to the top chunk (TOP) or
 * its fencepost; what lies beyond is the segment's record. */
static void walk_segment(struct block_cache *c, uint64_t base, uint64_t end, uint64_t top,
                         struct lua_alloc_stats *s)
{
    uint64_t q = base;
    /* each step moves at least LJ_MIN_CHUNK bytes up, within the segment */
    while (q + 16 <= end && q != top) {
        uint64_t head;
        if (!block_cache_u64(c, q + 8, &head)) {
            inconsistent(s, q, "unreadable");
            break;
        }
        if (head == LJ_FENCEPOST)
            break;
        uint64_t size = head & ~(uint64_t)LJ_INUSE;
        if (size < LJ_MIN_CHUNK || size % LJ_ALIGN || size > end - q) {
            inconsistent(s, q, "its size does not fit its segment");
            break;
        }
        if (head & LJ_CINUSE) {
            s->in_use_count++;
            s->in_use_bytes += size;
        } else {
            s->free_count++;
            s->free_bytes += size;
            if (size > s->largest_free_bytes)
                s->largest_free_bytes = size;
            struct lua_alloc_class *k = &s->free_by_size[size_class(size)];
            k->count++;
            k->bytes += size;
            s->returnable_bytes += whole_pages(q + LJ_FREE_KEEP, q + size);
        }
        q += size;
    }
    if (q == top)
        return;   /* the top's segment: its foot is counted with the top */
    s->overhead_bytes += end - q;
}

bool lua_alloc_walk(const struct mem_reader *m, const struct nginx_lua_vm *vm,
                    struct lua_alloc_stats *s, char *err, size_t errlen)
{
    static struct lua_segments segs;
    memset(s, 0, sizeof *s);
    if (!nginx_lua_segments(m, vm, &segs, err, errlen))
        return false;
    uint64_t ms[5];
    if (mem_read(m, vm->allocd, ms, sizeof ms) != 0) {
        snprintf(err, errlen, "LuaJIT's allocator state at 0x%llx is unreadable",
                 (unsigned long long)vm->allocd);
        return false;
    }
    uint64_t dvsize = ms[LJ_MS_DVSIZE / 8], topsize = ms[LJ_MS_TOPSIZE / 8],
             top = ms[LJ_MS_TOP / 8];
    static struct mem_range ranges[LUA_MAX_SEGMENTS];
    int top_seg = -1;
    for (int i = 0; i < segs.n; i++) {
        ranges[i] = (struct mem_range){ segs.start[i], segs.end[i] };
        s->segment_bytes += segs.end[i] - segs.start[i];
        if (top >= segs.start[i] && top < segs.end[i] && topsize <= segs.end[i] - top)
            top_seg = i;
    }
    s->segment_count = (uint64_t)segs.n;
    if (top_seg < 0) {
        snprintf(err, errlen, "LuaJIT's allocator's top chunk (0x%llx, %llu bytes) lies in "
                              "none of its segments", (unsigned long long)top,
                 (unsigned long long)topsize);
        return false;
    }
    struct block_cache c;
    if (!block_cache_init(&c, m)) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    block_cache_stream(&c, ranges, (size_t)segs.n);
    for (int i = 0; i < segs.n; i++)
        walk_segment(&c, segs.start[i], segs.end[i], i == top_seg ? top : UINT64_MAX, s);
    block_cache_stream(&c, NULL, 0);
    block_cache_free(&c);
    /* the top and its foot (the segment's record and fenceposts) */
    s->top_bytes = topsize;
    s->overhead_bytes += segs.end[top_seg] - top - topsize;
    s->returnable_bytes += whole_pages(top + 16, top + topsize);
    s->dv_bytes = dvsize;
    return true;
}
