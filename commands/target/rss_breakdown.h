/* What a live process's resident memory is made of: every mapping of
 * /proc/PID/smaps put in one category, so that the categories add up to
 * smaps_rollup's Rss exactly; the glibc heap's mappings split by
 * /proc/PID/pagemap into pages inside free chunks (free but resident) and
 * the rest (in use). Figures come from the kernel, never from reading the
 * pages. No GDB: the caller supplies the heap segments, the free chunks
 * and the shared zones it found. */
#ifndef NGXMEM_RSS_BREAKDOWN_H
#define NGXMEM_RSS_BREAKDOWN_H

#include "proc_smaps.h"

enum rss_category {
    RSS_CYCLE_POOLS,
    RSS_OTHER_POOLS,
    RSS_GLIBC_IN_USE,
    RSS_GLIBC_FREE,
    RSS_LUA,
    RSS_SHM_ZONE,
    RSS_SHM_OTHER,
    RSS_STACK,
    RSS_CODE,
    RSS_CODE_DATA,
    RSS_OTHER_FILE,
    RSS_OTHER_ANON,
    RSS_COUNT
};

/* Identifiers (JSON values) and what each is, for people. */
extern const char *const rss_category_ids[RSS_COUNT];
extern const char *const rss_category_labels[RSS_COUNT];

struct rss_part {
    uint64_t rss, pss, private_bytes, shared_bytes, swap;
};

struct rss_heap_mapping {
    uint64_t start, end;
    unsigned char *present;      /* one byte per page, from pagemap */
    uint32_t *block_before;      /* present pages before each run of 64 pages:
                                  * any range's count in at most 128 steps */
    uint64_t free_resident;      /* bytes of present pages inside free chunks */
    bool is_heap;                /* a glibc heap segment lies in it */
    uint64_t pool_resident[2];   /* bytes of nginx pool chunks (cycle, other)
                                  * in present pages (a core: held) */
    uint64_t lua_bytes;          /* bytes of LuaJIT segments in it */
    uint64_t lua_resident;       /* of those, present pages */
};

struct rss_breakdown {
    pid_t pid;
    uint64_t page_size;
    struct smaps smaps;
    uint64_t rollup_rss, rollup_pss;
    bool rollup_ok;
    struct rss_heap_mapping *heap;
    size_t nheap;
    bool pagemap_ok;             /* false: the free/in-use split is unknown */
    struct rss_zone {
        uint64_t start, end;
        struct rss_part part;
    } *zones;                    /* in the order they were added */
    int nzones;
    size_t zones_cap;
    struct rss_part parts[RSS_COUNT];
    uint64_t thread_count;
    bool from_core;              /* figures: the bytes a core holds */
    bool core_truncated;         /* more segments than could be kept */
    uint64_t core_missing;       /* bytes the core's segments say it holds but
                                  * its file (truncated) has not */
};

/* Read PID's mappings and the pagemap of its private anonymous memory,
 * before anything reads the inferior: a read maps file pages in (and
 * could swap pages in), changing what is measured. False + WHY when the
 * kernel will not say. */
bool rss_breakdown_begin(struct rss_breakdown *b, pid_t pid, char *why, size_t whylen);
void rss_breakdown_release(struct rss_breakdown *b);

/* The same from a core file: each segment's "RSS" is the bytes the core
 * holds of it (what gcore could read), file mappings named by its NT_FILE
 * note; no pagemap (the heap's free pages are not told apart), no threads'
 * stacks by name. */
bool rss_breakdown_begin_core(struct rss_breakdown *b, const char *core, char *why,
                              size_t whylen);

/* A glibc heap segment: the mappings it lies in are the heap. */
void rss_breakdown_heap_segment(struct rss_breakdown *b, uint64_t start, uint64_t end);

/* A free chunk (binned, tcache, fastbin or top) of SIZE bytes at ADDR. */
void rss_breakdown_free_chunk(struct rss_breakdown *b, uint64_t addr, uint64_t size);

/* An in-use chunk of SIZE bytes at ADDR belongs to an nginx pool (CYCLE:
 * the current or an old cycle's): its resident bytes count as the pools'. */
void rss_breakdown_pool_chunk(struct rss_breakdown *b, bool cycle, uint64_t addr,
                              uint64_t size);

/* A segment of LuaJIT's allocator spans [START, END): its pages in
 * anonymous mappings count as the Lua VM's. */
void rss_breakdown_lua_segment(struct rss_breakdown *b, uint64_t start, uint64_t end);

/* Shared zone I of the caller's list spans [START, END) (I: the number
 * of zones added before it). False when memory ran out. */
bool rss_breakdown_zone(struct rss_breakdown *b, uint64_t start, uint64_t end);

/* Put every mapping in its category (and zone). */
void rss_breakdown_finish(struct rss_breakdown *b);

#endif
