/* What a shared zone holds, read as its owning module lays it out: one
 * table maps the module (the zone's tag) to a reader, which walks the
 * module's red-black tree (nginx_rbtree) and queue in the zone, bounded and
 * cycle-safe, checking each node against what the module computes of it (a
 * key's CRC-32) where it can. Readers: limit_req, limit_conn (http and
 * stream), the cache keys zones of proxy/fastcgi/uwsgi/scgi_cache_path,
 * ssl_session_cache shared, lua_shared_dict, upstream zone (http). Also what the slab allocator
 * made of their allocations: each one's slot and the bytes its rounding
 * wastes. Analysis only: a mem_reader, the zone list, the process's clock. */
#ifndef NGXMEM_ZONE_ENTRIES_H
#define NGXMEM_ZONE_ENTRIES_H

#include "nginx_shm.h"

enum zone_kind {
    ZK_UNKNOWN, ZK_LIMIT_REQ, ZK_LIMIT_CONN, ZK_FILE_CACHE, ZK_SSL_SESSIONS, ZK_LUA_SHDICT,
    ZK_UPSTREAM, ZK_COUNT
};
/* Identifiers (JSON "kind") and what each is, for people. */
extern const char *const zone_kind_ids[ZK_COUNT];
extern const char *const zone_kind_names[ZK_COUNT];

/* The reader of ZONE's owning module (ZK_UNKNOWN: none). */
enum zone_kind zone_kind_of(const struct ngx_zone *zone);

/* The clocks entries' times are on: ngx_current_msec (monotonic ms, from
 * nginx 1.13.10 on: limit_req's "last") and ngx_cached_time->sec (wall
 * seconds: expiry times). A live process's own copies are as old as its
 * last wake-up (a master's, from its last signal): then ours, which run on
 * the same kernel clocks; a core's are what it holds. */
struct zone_clock {
    bool have_msec, have_sec;
    uint64_t msec;
    int64_t sec;
    uint64_t epoch_ms;           /* ours: lua_shared_dict expiry is wall-clock ms */
};
void zone_clock_read(const struct mem_reader *m, bool live, struct zone_clock *c);

/* A spread of one figure over the entries: count, extremes, sum, and by
 * power of two (values below 0 counted apart: expired). */
enum { ZONE_SPREAD_BUCKETS = 48, ZONE_SPREADS_MAX = 4 };
struct zone_spread {
    const char *id;              /* "key_bytes", "idle_ms"... */
    const char *name;            /* "key length" */
    int unit;                    /* enum zone_unit */
    uint64_t n, negative;
    int64_t min, max, sum;
    uint64_t hist[ZONE_SPREAD_BUCKETS];   /* [2^b, 2^(b+1)); bucket 0 holds 0 and 1 */
};
enum zone_unit { ZU_BYTES, ZU_COUNT, ZU_MS, ZU_SECONDS };

/* One entry, kept among the biggest. */
enum { ZONE_TOP_MAX = 50 };
struct zone_entry {
    struct inferior_text key;    /* as the module keys it; hex where binary by design */
    uint64_t node, bytes;        /* its allocations, as asked */
    int64_t figure;              /* the kind's own: excess, conns, uses, expires in */
};

struct zone_entries {
    enum zone_kind kind;
    uint64_t entry_count;
    uint64_t alloc_count, asked_bytes, slot_bytes;   /* their slab allocations */
    /* by slab slot (slots[k]: 2^(min_shift+k) bytes; [SLAB_SLOTS_MAX]: page runs) */
    uint64_t slot_allocs[SLAB_SLOTS_MAX + 1], slot_asked[SLAB_SLOTS_MAX + 1],
        slot_rounded[SLAB_SLOTS_MAX + 1];
    struct zone_spread spreads[ZONE_SPREADS_MAX];
    int nspreads;
    uint64_t expired_count;      /* entries past their expiry, still stored */
    /* the LRU queue's ends: limit_req idle ms, others expiry in seconds */
    bool have_lru;
    int64_t lru_newest, lru_oldest;
    int lru_unit;
    /* the kind's own */
    uint64_t rate_mrps;          /* limit_req: rate=, in 0.001 requests/s */
    uint64_t conn_total;         /* limit_conn: connections counted now */
    uint64_t fs_blocks;          /* cache: the nodes' fs_size, in blocks */
    uint64_t cache_size_blocks, cache_count, cache_bsize, cache_max_blocks;
    bool cold, loading, have_cache_conf;
    uint64_t session_bytes;      /* ssl: the sessions' DER bytes */
    uint64_t group_count, down_count, backup_count;   /* upstream: groups, servers */
    struct zone_entry top[ZONE_TOP_MAX];
    int ntop, want_top;
    const char *figure_name;     /* what top[].figure is, NULL: nothing */
    int variant;                 /* the layout the reader found (zone_layouts.h) */
    char layout_check[480];      /* its offsets against nginx's debug info
                                  * (zone_entries_check_layout) */
};

/* Read ZONE (its slab report SR, for the slot sizes) with its module's
 * reader into E, keeping the TOP biggest entries. False + ERR when the
 * zone's memory is not what its module makes; ZK_UNKNOWN zones give an
 * empty E and true. */
bool zone_entries_read(const struct mem_reader *m, const struct nginx_state *st,
                       const struct ngx_zone *zone, const struct slab_report *sr,
                       const struct zone_clock *clock, int top, struct zone_entries *e,
                       char *err, size_t errlen);

/* E's layout_check: the offsets its reader used against nginx's debug info
 * (once, after the reads; without nginx's types, said at once). */
void zone_entries_check_layout(const struct mem_reader *m, const struct nginx_state *st,
                               const struct ngx_zone *zone, struct zone_entries *e);

/* Do two reads agree (a zone other processes write may change between)? */
bool zone_entries_same(const struct zone_entries *a, const struct zone_entries *b);

/* A zone's slabs and entries, read until two passes agree (other
 * processes write it while this one is stopped), at most ZONE_READS_MAX
 * times: the count of reads, negative when no two agreed (OUT: the last
 * good one), 0 + ERR when none succeeded. */
enum { ZONE_READS_MAX = 4 };
struct zone_reading {
    struct slab_report slabs;
    struct zone_entries entries;
};
int zone_entries_read_stable(const struct mem_reader *m, const struct nginx_state *st,
                             const struct ngx_zone *zone, const struct zone_clock *clock,
                             int top, struct zone_reading *out, char *err, size_t errlen);

/* The largest allocation the slab allocator would satisfy now, without
 * evicting (a run of free pages, else a free slot of a slot page). */
uint64_t slab_largest_alloc(const struct slab_report *sr);

#endif
