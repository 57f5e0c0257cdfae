#include "zone_entries.h"

#include "nginx_rbtree.h"
#include "nginx_shdict.h"
#include "top_n.h"
#include "zone_layouts.h"
#include "zone_page_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

const char *const zone_kind_ids[ZK_COUNT] = {
    "unknown", "limit_req", "limit_conn", "cache_keys", "ssl_session_cache", "lua_shared_dict",
    "upstream_zone",
};
const char *const zone_kind_names[ZK_COUNT] = {
    "no reader for its module", "limit_req_zone", "limit_conn_zone",
    "keys_zone of proxy/fastcgi/uwsgi/scgi_cache_path", "ssl_session_cache shared",
    "lua_shared_dict", "upstream zone",
};

/* ---- what every reader shares --------------------------------------- */

struct reader {
    const struct mem_reader *m;
    const struct nginx_state *st;
    const struct ngx_zone *z;
    const struct slab_report *sr;
    const struct zone_clock *clock;
    struct zone_entries *e;
    uint64_t sh;                 /* the module's structure in the zone (shpool->data) */
    int layout;                  /* the reader's own: which layout its nodes have */
};

struct spread_def {
    const char *id, *name;
    int unit;
};

/* The spreads a reader keeps (at most ZONE_SPREADS_MAX), and what its
 * entries' figure is (NULL: none). */
static void spreads_begin(struct zone_entries *e, const struct spread_def *d, int n,
                          const char *figure)
{
    for (int i = 0; i < n && e->nspreads < ZONE_SPREADS_MAX; i++) {
        struct zone_spread *s = &e->spreads[e->nspreads++];
        memset(s, 0, sizeof *s);
        s->id = d[i].id;
        s->name = d[i].name;
        s->unit = d[i].unit;
    }
    e->figure_name = figure;
}
#define SPREADS(e, defs, figure) spreads_begin(e, defs, (int)(sizeof defs / sizeof *defs), figure)

/* A - B, held at the int64 range: times read from the inferior may be anything */
static int64_t diff_held(int64_t a, int64_t b)
{
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return d;
}

static void spread_add(struct zone_spread *s, int64_t v)
{
    if (!s->n || v < s->min)
        s->min = v;
    if (!s->n || v > s->max)
        s->max = v;
    s->n++;
    if (__builtin_add_overflow(s->sum, v, &s->sum))
        s->sum = v < 0 ? INT64_MIN : INT64_MAX;   /* held there: hostile values */
    if (v < 0) {
        s->negative++;
        return;
    }
    int b = v > 1 ? 63 - __builtin_clzll((uint64_t)v) : 0;
    s->hist[b < ZONE_SPREAD_BUCKETS ? b : ZONE_SPREAD_BUCKETS - 1]++;
}

/* An allocation of SIZE bytes asked of the zone's slab allocator: the slot
 * it rounds to (ngx_slab_alloc: the next power of two from the smallest
 * slot on; over half a page, whole pages). */
static void count_alloc(struct reader *r, uint64_t size)
{
    struct zone_entries *e = r->e;
    uint64_t ps = r->sr->pagesize, rounded;
    int k;
    if (size > ps / 2) {
        rounded = (size + ps - 1) / ps * ps;
        k = SLAB_SLOTS_MAX;
    } else {
        uint64_t shift = r->sr->min_shift;
        while ((1ull << shift) < size)
            shift++;
        rounded = 1ull << shift;
        k = (int)(shift - r->sr->min_shift);
        if (k < 0 || k >= SLAB_SLOTS_MAX)
            k = SLAB_SLOTS_MAX;
    }
    e->alloc_count++;
    e->asked_bytes += size;
    e->slot_bytes += rounded;
    e->slot_allocs[k]++;
    e->slot_asked[k] += size;
    e->slot_rounded[k] += rounded;
}

static void keep_top(struct zone_entries *e, const struct zone_entry *x)
{
    int at = top_n_slot(e->top, sizeof *e->top, offsetof(struct zone_entry, bytes), &e->ntop,
                        e->want_top, x->bytes);
    if (at >= 0)
        e->top[at] = *x;
}

static bool in_zone(const struct ngx_zone *z, uint64_t p, uint64_t len)
{
    return p >= z->addr && p < z->addr + z->size && z->addr + z->size - p >= len;
}

/* The key of LEN bytes at AT, which the module hashed into the node's key:
 * read and checked (ngx_crc32_short). */
static bool read_key(struct reader *r, uint64_t node, const uint8_t *bytes, uint64_t at,
                     size_t len, struct inferior_text *key, char *err, size_t errlen)
{
    static unsigned char buf[UINT16_MAX];
    uint32_t hash;
    memcpy(&hash, bytes, 4);
    if (len && (!in_zone(r->z, at, len) || mem_read(r->m, at, buf, len) != 0)) {
        snprintf(err, errlen, "cannot read the key of node 0x%llx (%zu bytes)",
                 (unsigned long long)node, len);
        return false;
    }
    if ((uint32_t)crc32(0L, buf, (uInt)len) != hash) {
        snprintf(err, errlen, "the key of node 0x%llx (%zu bytes) does not match its hash: "
                 "not this module's node, or rewritten while read", (unsigned long long)node,
                 len);
        return false;
    }
    inferior_text_set(key, buf, len);
    return true;
}

static void hex_key(struct inferior_text *t, const uint8_t *b, size_t n)
{
    char hex[2 * 64 + 1];
    n = n > 64 ? 64 : n;
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    inferior_text_literal(t, n ? hex : "");
}

static bool walk(struct reader *r, uint64_t tree, size_t node_read, uint64_t min_node,
                 rbtree_node_fn fn, char *err, size_t errlen)
{
    /* a node is an allocation: no more nodes than the slab walk counted
     * (itself bounded by the page descriptors it read) */
    uint64_t most = r->z->size / min_node + 1;
    if (r->sr->used_slabs + 1 < most)
        most = r->sr->used_slabs + 1;
    struct rbtree_walk w = { r->z->addr, r->z->addr + r->z->size, tree, node_read, most };
    return nginx_rbtree_walk(r->m, &w, fn, r, &r->e->entry_count, err, errlen);
}

/* The LRU queue's ends (ngx_queue_t at HEAD: prev, next; a new or used
 * entry goes to the head): the nodes, their link QUEUE_AT bytes in. */
static bool queue_ends(struct reader *r, uint64_t head, uint64_t queue_at, uint64_t *newest,
                       uint64_t *oldest)
{
    uint64_t q[2];
    if (mem_read(r->m, head, q, sizeof q) != 0 || q[1] == head || q[0] == head ||
        !in_zone(r->z, q[0], 16) || !in_zone(r->z, q[1], 16))
        return false;
    *newest = q[1] - queue_at;
    *oldest = q[0] - queue_at;
    return true;
}

/* ---- limit_req: ngx_http_limit_req_node_t from the rbtree node's color
 * on: color, dummy, len (u16), queue, last, excess, count, data ---------- */


static bool limit_req_node(void *arg, uint64_t node, const uint8_t *b, char *err, size_t errlen)
{
    struct reader *r = arg;
    struct zone_entries *e = r->e;
    uint16_t len;
    uint64_t last, excess;
    memcpy(&len, b + LR_LEN, 2);
    memcpy(&last, b + LR_LAST, 8);
    memcpy(&excess, b + LR_EXCESS, 8);
    struct zone_entry x = { .node = node, .bytes = LR_DATA + len, .figure = (int64_t)excess };
    if (!read_key(r, node, b, node + LR_DATA, len, &x.key, err, errlen))
        return false;
    count_alloc(r, x.bytes);
    spread_add(&e->spreads[0], len);
    spread_add(&e->spreads[1], (int64_t)excess);
    if (r->clock->have_msec)
        spread_add(&e->spreads[2], (int64_t)(r->clock->msec - last));
    keep_top(e, &x);
    return true;
}

static bool read_limit_req(struct reader *r, char *err, size_t errlen)
{
    struct zone_entries *e = r->e;
    static const struct spread_def spreads[] = {
        { "key_bytes", "key length", ZU_BYTES },
        { "excess", "excess (1/1000 requests)", ZU_COUNT },
        { "idle_ms", "since last request", ZU_MS },
    };
    SPREADS(e, spreads, "excess");
    /* ngx_http_limit_req_ctx_t (zone->data, process memory): sh, shpool, rate */
    uint64_t ctx[3];
    if (mem_read(r->m, r->z->data, ctx, sizeof ctx) == 0 && ctx[0] == r->sh &&
        ctx[1] == r->z->addr)
        e->rate_mrps = ctx[2];
    if (!walk(r, r->sh, LR_DATA, LR_DATA, limit_req_node, err, errlen))
        return false;
    uint64_t newest, oldest, t[2];
    if (r->clock->have_msec && queue_ends(r, r->sh + LR_SH_QUEUE, LR_QUEUE, &newest, &oldest) &&
        mem_read_u64(r->m, newest + LR_LAST, &t[0]) && mem_read_u64(r->m, oldest + LR_LAST, &t[1])) {
        e->have_lru = true;
        e->lru_unit = ZU_MS;
        e->lru_newest = (int64_t)(r->clock->msec - t[0]);
        e->lru_oldest = (int64_t)(r->clock->msec - t[1]);
    }
    return true;
}

/* ---- limit_conn: color, len (u8), conn (u16), data -------------------- */


static bool limit_conn_node(void *arg, uint64_t node, const uint8_t *b, char *err, size_t errlen)
{
    struct reader *r = arg;
    struct zone_entries *e = r->e;
    uint16_t conn;
    memcpy(&conn, b + LC_CONN, 2);
    struct zone_entry x = { .node = node, .bytes = LC_DATA + b[LC_LEN], .figure = conn };
    if (!read_key(r, node, b, node + LC_DATA, b[LC_LEN], &x.key, err, errlen))
        return false;
    count_alloc(r, x.bytes);
    e->conn_total += conn;
    spread_add(&e->spreads[0], b[LC_LEN]);
    spread_add(&e->spreads[1], conn);
    keep_top(e, &x);
    return true;
}

static bool read_limit_conn(struct reader *r, char *err, size_t errlen)
{
    static const struct spread_def spreads[] = {
        { "key_bytes", "key length", ZU_BYTES },
        { "connections", "connections", ZU_COUNT },
    };
    SPREADS(r->e, spreads, "connections");
    return walk(r, r->sh, RBTREE_NODE_BYTES, RBTREE_NODE_BYTES, limit_conn_node, err, errlen);
}

/* ---- cache keys zone: ngx_http_file_cache_node_t (120 bytes) and the
 * ngx_http_file_cache_sh_t: rbtree, sentinel, queue, cold, loading, size,
 * count --------------------------------------------------------------- */


static bool cache_node(void *arg, uint64_t node, const uint8_t *b, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct reader *r = arg;
    struct zone_entries *e = r->e;
    uint32_t bits;
    int64_t expire, fs_size;
    memcpy(&bits, b + FC_BITS, 4);
    memcpy(&expire, b + FC_EXPIRE, 8);
    memcpy(&fs_size, b + FC_FS_SIZE, 8);
    uint64_t uses = (bits >> 20) & 0x3ff;
    uint64_t blocks = fs_size > 0 ? (uint64_t)fs_size : 0;
    /* the cache file's name: the key's MD5 in hex, node.key its first 8 bytes */
    uint8_t md5[16];
    memcpy(md5, b, 8);
    memcpy(md5 + 8, b + FC_KEY, 8);
    struct zone_entry x = { .node = node, .figure = (int64_t)uses,
                            .bytes = e->cache_bsize ? blocks * e->cache_bsize : blocks };
    hex_key(&x.key, md5, 16);
    count_alloc(r, FC_NODE);
    e->fs_blocks += blocks;
    spread_add(&e->spreads[0], (int64_t)uses);
    spread_add(&e->spreads[1], (int64_t)x.bytes);
    /* valid_sec is a cached error's only (a response's own validity is in
     * its file's header); expire: when the cache manager removes it unused */
    if (r->clock->have_sec) {
        spread_add(&e->spreads[2], diff_held(expire, r->clock->sec));
        e->expired_count += expire < r->clock->sec;
    }
    keep_top(e, &x);
    return true;
}

static bool power_of_two_block(uint64_t v)
{
    return v >= 512 && v <= (1u << 20) && !(v & (v - 1));
}

static bool read_cache(struct reader *r, char *err, size_t errlen)
{
    struct zone_entries *e = r->e;
    static const struct spread_def spreads[] = {
        { "uses", "uses", ZU_COUNT },
        { "disk_bytes", "on disk", ZU_BYTES },
        { "inactive_s", "removed if unused in", ZU_SECONDS },
    };
    SPREADS(e, spreads, "uses");
    uint64_t sh[5];
    if (mem_read(r->m, r->sh + SH_COLD, sh, sizeof sh) == 0) {
        e->cold = sh[0];
        e->loading = sh[1];
        e->cache_size_blocks = sh[2];
        e->cache_count = sh[3];
    }
    /* ngx_http_file_cache_t (zone->data): sh, shpool, path, then max_size
     * and bsize, after min_free from nginx 1.19.1 on: the block size says
     * which (a power of two) */
    uint64_t c[6];
    if (mem_read(r->m, r->z->data, c, sizeof c) == 0 && c[0] == r->sh && c[1] == r->z->addr) {
        int at = power_of_two_block(c[5]) ? 4 : power_of_two_block(c[4]) ? 3 : -1;
        if (at > 0) {
            e->have_cache_conf = true;
            e->cache_max_blocks = c[at];
            e->variant = at;
            e->cache_bsize = c[at + 1];
        }
    }
    if (!walk(r, r->sh, FC_NODE, FC_NODE, cache_node, err, errlen))
        return false;
    uint64_t newest, oldest;
    int64_t t[2];
    if (r->clock->have_sec && queue_ends(r, r->sh + SH_QUEUE, FC_QUEUE, &newest, &oldest) &&
        mem_read(r->m, newest + FC_EXPIRE, &t[0], 8) == 0 &&
        mem_read(r->m, oldest + FC_EXPIRE, &t[1], 8) == 0) {
        e->have_lru = true;
        e->lru_unit = ZU_SECONDS;
        e->lru_newest = diff_held(t[0], r->clock->sec);
        e->lru_oldest = diff_held(t[1], r->clock->sec);
    }
    return true;
}

/* ---- ssl_session_cache: ngx_ssl_sess_id_t, two layouts on 64 bits:
 * up to 1.22 id, len, session, queue, expire, stub, sess_id[32] (128
 * bytes; id points at sess_id); from 1.23 len, queue, expire, id[32],
 * session (112). Each session is that node and its DER, len bytes. ---- */


static bool session_node(void *arg, uint64_t node, const uint8_t *b, char *err, size_t errlen)
{
    struct reader *r = arg;
    struct zone_entries *e = r->e;
    uint64_t w40;
    memcpy(&w40, b + 40, 8);
    int l = w40 == node + 96 ? SS_OLD : SS_NEW;
    if (r->layout && r->layout != l) {
        snprintf(err, errlen, "session node 0x%llx in another layout than the others",
                 (unsigned long long)node);
        return false;
    }
    r->layout = l;
    uint64_t len, session;
    int64_t expire;
    memcpy(&len, b + ss_layouts[l].len, 8);
    memcpy(&expire, b + ss_layouts[l].expire, 8);
    memcpy(&session, b + ss_layouts[l].session, 8);
    uint8_t idlen = b[RBTREE_COLOR + 1];   /* node.data: the session id's length */
    uint32_t hash;
    memcpy(&hash, b, 4);
    if (idlen > 32 || (uint32_t)crc32(0L, b + ss_layouts[l].id, idlen) != hash ||
        len > r->z->size || !in_zone(r->z, session, len)) {
        snprintf(err, errlen, "session node 0x%llx: its id does not match its hash, or its "
                 "%llu bytes are not in the zone", (unsigned long long)node,
                 (unsigned long long)len);
        return false;
    }
    struct zone_entry x = { .node = node, .bytes = ss_layouts[l].bytes + len };
    hex_key(&x.key, b + ss_layouts[l].id, idlen);
    count_alloc(r, ss_layouts[l].bytes);
    count_alloc(r, len);
    e->session_bytes += len;
    spread_add(&e->spreads[0], (int64_t)len);
    if (r->clock->have_sec) {
        x.figure = diff_held(expire, r->clock->sec);
        spread_add(&e->spreads[1], x.figure);
        e->expired_count += expire < r->clock->sec;
    }
    keep_top(e, &x);
    return true;
}

static bool read_sessions(struct reader *r, char *err, size_t errlen)
{
    struct zone_entries *e = r->e;
    static const struct spread_def spreads[] = {
        { "session_bytes", "session (DER)", ZU_BYTES },
        { "expires_s", "expires in", ZU_SECONDS },
    };
    SPREADS(e, spreads, r->clock->have_sec ? "expires_in_s" : NULL);
    if (!walk(r, r->sh, SS_READ, SS_READ, session_node, err, errlen))
        return false;
    uint64_t newest, oldest;
    int64_t t[2];
    int l = r->layout;
    if (l && r->clock->have_sec &&
        queue_ends(r, r->sh + SS_QUEUE_HEAD, ss_layouts[l].queue, &newest, &oldest) &&
        mem_read(r->m, newest + ss_layouts[l].expire, &t[0], 8) == 0 &&
        mem_read(r->m, oldest + ss_layouts[l].expire, &t[1], 8) == 0) {
        e->have_lru = true;
        e->lru_unit = ZU_SECONDS;
        e->lru_newest = diff_held(t[0], r->clock->sec);
        e->lru_oldest = diff_held(t[1], r->clock->sec);
    }
    return true;
}

/* ---- lua_shared_dict: its LRU queue (nginx_shdict) -------------------- */

static void shdict_entry(void *arg, uint64_t node, const struct shdict_entry *d)
{
    struct reader *r = arg;
    struct zone_entries *e = r->e;
    struct zone_entry x = { .key = d->key, .node = node, .bytes = d->alloc, .figure = d->type };
    e->entry_count++;
    count_alloc(r, d->alloc);
    spread_add(&e->spreads[0], d->key_len);
    spread_add(&e->spreads[1], (int64_t)d->alloc);
    if (d->expires)
        spread_add(&e->spreads[2], (int64_t)(d->expires - r->clock->epoch_ms));
    keep_top(e, &x);
}

static bool read_shdict(struct reader *r, char *err, size_t errlen)
{
    struct zone_entries *e = r->e;
    static const struct spread_def spreads[] = {
        { "key_bytes", "key length", ZU_BYTES },
        { "entry_bytes", "node size", ZU_BYTES },
        { "expires_ms", "expires in", ZU_MS },
    };
    SPREADS(e, spreads, NULL);
    static struct shdict_report d;
    if (!nginx_shdict_report(r->m, r->z, r->clock->epoch_ms, 0, shdict_entry, r, &d, err,
                             errlen))
        return false;
    e->expired_count = d.expired;
    return true;
}

/* ---- upstream zone: groups of servers (zone_layouts.h) --------------- */

/* An ngx_str_t at AT (in the zone) as text; false when it is not one. */
/* An ngx_str_t at AT (in the zone) as text after PREFIX (the inferior's
 * bytes as they are, or NULL), a space between; false when it is none. */
static bool zone_str(struct reader *r, uint64_t at, const struct inferior_text *prefix,
                     struct inferior_text *t, uint64_t *len)
{
    uint64_t str[2];
    char buf[512];               /* a prefix of at most 255 bytes, a space, a name of at most 255 */
    if (!in_zone(r->z, at, 16) || mem_read(r->m, at, str, sizeof str) != 0 || str[0] > 255 ||
        (str[0] && !in_zone(r->z, str[1], str[0])))
        return false;
    size_t n = prefix ? (prefix->len < 255 ? prefix->len : 255) : 0;
    if (prefix) {
        memcpy(buf, prefix->unsafe_bytes, n);
        buf[n++] = ' ';
    }
    if (str[0] && mem_read(r->m, str[1], buf + n, str[0]) != 0)
        return false;
    inferior_text_set(t, buf, n + str[0]);
    *len = str[0];
    return true;
}

/* nginx's version (st->version, "1.29.6") at least MAJOR.MINOR.PATCH? */
static bool version_at_least(const struct nginx_state *st, int major, int minor, int patch)
{
    char v[32];
    int a = 0, b = 0, c = 0;
    size_t n = st->version.len < sizeof v - 1 ? st->version.len : sizeof v - 1;
    memcpy(v, st->version.unsafe_bytes, n);
    v[n] = 0;
    if (sscanf(v, "%d.%d.%d", &a, &b, &c) < 2)
        return false;
    return a != major ? a > major : b != minor ? b > minor : c >= patch;
}

/* The layout whose group name is an ngx_str_t in the zone and whose first
 * server's is too (the group's shpool points at the zone in all); the
 * servers' sid from 1.29.6 on only by version (it is empty). */
static int upstream_layout(struct reader *r, uint64_t g)
{
    for (int l = UP_1_27_3; l >= UP_1_18; l--) {
        const struct up_layout *u = &up_layouts[l];
        uint64_t w[12], len;
        struct inferior_text t;
        if (mem_read(r->m, g, w, sizeof w) != 0 || w[UP_SHPOOL / 8] != r->z->addr)
            return 0;
        if (zone_str(r, w[u->name / 8], NULL, &t, &len) && in_zone(r->z, w[u->peer / 8], u->peer_bytes) &&
            zone_str(r, w[u->peer / 8] + UP_PEER_NAME, NULL, &t, &len))
            return l == UP_1_27_3 && version_at_least(r->st, 1, 29, 6) ? UP_1_29_6 : l;
    }
    return 0;
}

/* The servers of group G (the list at its peer pointer), backup or not. */
static bool upstream_servers(struct reader *r, uint64_t g, const struct inferior_text *group,
                             bool backup, uint64_t *budget, char *err, size_t errlen)
{
    struct zone_entries *e = r->e;
    const struct up_layout *u = &up_layouts[r->layout];
    uint64_t compat = r->st->compat == 1 ? u->peer_compat : 0, p;
    if (!mem_read_u64(r->m, g + u->peer, &p))
        return false;
    while (p) {
        uint8_t b[UP_PEER_READ];
        uint64_t len, server_len;
        struct inferior_text server;
        struct zone_entry x = { .node = p };
        if (!(*budget)-- || !in_zone(r->z, p, u->peer_bytes) || mem_read(r->m, p, b, sizeof b) != 0 ||
            !zone_str(r, p + UP_PEER_NAME, group, &x.key, &len) ||
            !zone_str(r, p + UP_PEER_SERVER, NULL, &server, &server_len)) {
            snprintf(err, errlen, "upstream server 0x%llx: not a server in the zone, or more "
                     "servers than allocations", (unsigned long long)p);
            return false;
        }
        uint64_t conns, fails, down, weight;
        uint32_t socklen;
        memcpy(&socklen, b + UP_PEER_SOCKLEN, 4);
        memcpy(&weight, b + UP_PEER_WEIGHT, 8);
        memcpy(&conns, b + UP_PEER_CONNS, 8);
        memcpy(&fails, b + UP_PEER_FAILS, 8);
        memcpy(&down, b + UP_PEER_DOWN, 8);
        x.figure = (int64_t)conns;
        x.bytes = u->peer_bytes + compat + socklen + len + server_len;
        count_alloc(r, u->peer_bytes + compat);
        count_alloc(r, socklen);
        count_alloc(r, len);
        if (server_len)
            count_alloc(r, server_len);
        e->entry_count++;
        e->down_count += down != 0;
        e->backup_count += backup;
        e->conn_total += conns;
        spread_add(&e->spreads[0], (int64_t)conns);
        spread_add(&e->spreads[1], (int64_t)fails);
        spread_add(&e->spreads[2], (int64_t)weight);
        keep_top(e, &x);
        memcpy(&p, b + u->peer_next, 8);
    }
    return true;
}

static bool read_upstream(struct reader *r, char *err, size_t errlen)
{
    struct zone_entries *e = r->e;
    static const struct spread_def spreads[] = {
        { "connections", "connections", ZU_COUNT },
        { "fails", "failures", ZU_COUNT },
        { "weight", "weight", ZU_COUNT },
    };
    SPREADS(e, spreads, "connections");
    uint64_t budget = r->sr->used_slabs + 1;   /* each group and server is an allocation */
    r->layout = upstream_layout(r, r->sh);
    if (!r->layout) {
        snprintf(err, errlen, "no upstream group at 0x%llx in the zone (its pool pointer, name "
                 "or first server is not there)", (unsigned long long)r->sh);
        return false;
    }
    const struct up_layout *u = &up_layouts[r->layout];
    for (uint64_t g = r->sh; g;) {
        uint64_t w[12], len;
        struct inferior_text name;
        if (!budget-- || !in_zone(r->z, g, u->peers_bytes) || mem_read(r->m, g, w, sizeof w) != 0 ||
            w[UP_SHPOOL / 8] != r->z->addr || !zone_str(r, w[u->name / 8], NULL, &name, &len)) {
            snprintf(err, errlen, "upstream group 0x%llx: not a group in the zone, or more "
                     "groups than allocations", (unsigned long long)g);
            return false;
        }
        e->group_count++;
        count_alloc(r, u->peers_bytes);
        count_alloc(r, 16);
        count_alloc(r, len);
        if (!upstream_servers(r, g, &name, false, &budget, err, errlen))
            return false;
        uint64_t backup = w[u->next / 8];
        if (backup) {
            count_alloc(r, u->peers_bytes);
            if (!in_zone(r->z, backup, u->peers_bytes) ||
                !upstream_servers(r, backup, &name, true, &budget, err, errlen))
                return false;
        }
        g = w[u->zone_next / 8];
    }
    e->variant = r->layout;
    return true;
}

/* ---- the table: module -> reader -------------------------------------- */

typedef bool (*zone_reader_fn)(struct reader *r, char *err, size_t errlen);

static const struct {
    const char *module;
    enum zone_kind kind;
} zone_modules[] = {
    { "ngx_http_limit_req_module", ZK_LIMIT_REQ },
    { "ngx_http_limit_conn_module", ZK_LIMIT_CONN },
    { "ngx_stream_limit_conn_module", ZK_LIMIT_CONN },
    { "ngx_http_proxy_module", ZK_FILE_CACHE },
    { "ngx_http_fastcgi_module", ZK_FILE_CACHE },
    { "ngx_http_uwsgi_module", ZK_FILE_CACHE },
    { "ngx_http_scgi_module", ZK_FILE_CACHE },
    { "ngx_http_ssl_module", ZK_SSL_SESSIONS },
    { "ngx_stream_ssl_module", ZK_SSL_SESSIONS },
    { "ngx_mail_ssl_module", ZK_SSL_SESSIONS },
    { "ngx_http_lua_module", ZK_LUA_SHDICT },
    { "ngx_stream_lua_module", ZK_LUA_SHDICT },
    { "ngx_http_upstream_module", ZK_UPSTREAM },   /* the zone module tags its zones so */
};

static const zone_reader_fn zone_readers[ZK_COUNT] = {
    NULL, read_limit_req, read_limit_conn, read_cache, read_sessions, read_shdict, read_upstream,
};

enum zone_kind zone_kind_of(const struct ngx_zone *zone)
{
    for (size_t i = 0; i < sizeof zone_modules / sizeof *zone_modules; i++)
        if (inferior_text_equals(&zone->owner, zone_modules[i].module))
            return zone_modules[i].kind;
    return ZK_UNKNOWN;
}

void zone_clock_read(const struct mem_reader *m, bool live, struct zone_clock *c)
{
    uint64_t sym, tp;
    struct timespec mono, wall;
    memset(c, 0, sizeof *c);
    c->have_msec = mem_symbol(m, "ngx_current_msec", &sym) && mem_read_u64(m, sym, &c->msec);
    /* ngx_cached_time points at an ngx_time_t: sec first */
    c->have_sec = mem_symbol(m, "ngx_cached_time", &sym) && mem_read_u64(m, sym, &tp) &&
                  mem_read(m, tp, &c->sec, 8) == 0 && c->sec > 0;
    clock_gettime(CLOCK_REALTIME, &wall);
    c->epoch_ms = (uint64_t)wall.tv_sec * 1000 + (uint64_t)wall.tv_nsec / 1000000;
    if (!live)
        return;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    uint64_t ms = (uint64_t)mono.tv_sec * 1000 + (uint64_t)mono.tv_nsec / 1000000;
    if (c->have_msec && ms > c->msec)
        c->msec = ms;
    if (c->have_sec && wall.tv_sec > c->sec)
        c->sec = wall.tv_sec;
}

bool zone_entries_read(const struct mem_reader *m, const struct nginx_state *st,
                       const struct ngx_zone *zone, const struct slab_report *sr,
                       const struct zone_clock *clock, int top, struct zone_entries *e,
                       char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->kind = zone_kind_of(zone);
    e->want_top = top < 0 ? 0 : top > ZONE_TOP_MAX ? ZONE_TOP_MAX : top;
    if (e->kind == ZK_UNKNOWN)
        return true;
    /* entries lie packed in used pages: a page read once serves them all */
    struct zone_page_cache pc;
    zone_page_cache_begin(&pc, m, zone, sr);
    struct reader r = { &pc.via, st, zone, sr, clock, e, 0, 0 };
    /* every module here keeps its structure in shpool->data (the word
     * before ngx_slab_pool_t.addr) */
    bool ok = mem_read_u64(m, zone->addr + st->L->slab_addr - 8, &r.sh) && in_zone(zone, r.sh, 64);
    if (!ok)
        snprintf(err, errlen, "no %s structure in the slab pool (its data 0x%llx)",
                 zone_kind_names[e->kind], (unsigned long long)r.sh);
    else
        ok = zone_readers[e->kind](&r, err, errlen);
    zone_page_cache_end(&pc);
    if (e->kind == ZK_SSL_SESSIONS || e->kind == ZK_UPSTREAM)
        e->variant = r.layout;
    return ok;
}

void zone_entries_check_layout(const struct mem_reader *m, const struct nginx_state *st,
                               const struct ngx_zone *zone, struct zone_entries *e)
{
    /* without nginx's types every expression fails, each a search of all
     * GDB's symbol tables: nginx_state's own check said so already */
    if (!st->debug_info) {
        snprintf(e->layout_check, sizeof e->layout_check,
                 "no nginx debug info: the module's layout as read");
        return;
    }
    zone_layout_check(m, e->kind, inferior_text_equals(&zone->owner, "ngx_stream_limit_conn_module"),
                      e->variant, st->L->slab_addr - 8, e->layout_check, sizeof e->layout_check);
}

bool zone_entries_same(const struct zone_entries *a, const struct zone_entries *b)
{
    return a->entry_count == b->entry_count && a->asked_bytes == b->asked_bytes &&
           a->slot_bytes == b->slot_bytes && a->conn_total == b->conn_total &&
           a->fs_blocks == b->fs_blocks && a->session_bytes == b->session_bytes;
}

int zone_entries_read_stable(const struct mem_reader *m, const struct nginx_state *st,
                             const struct ngx_zone *zone, const struct zone_clock *clock,
                             int top, struct zone_reading *out, char *err, size_t errlen)
{
    struct zone_reading *pair = malloc(2 * sizeof *pair);
    if (!pair) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    struct zone_reading *prev = &pair[0], *cur = &pair[1];
    bool have_prev = false, have_any = false;
    int reads = -ZONE_READS_MAX;
    for (int i = 1; i <= ZONE_READS_MAX; i++) {
        bool ok = nginx_slab_report(m, st, zone, &cur->slabs, err, errlen) &&
                  zone_entries_read(m, st, zone, &cur->slabs, clock, top, &cur->entries, err,
                                    errlen);
        if (ok && have_prev && zone_entries_same(&prev->entries, &cur->entries) &&
            cur->slabs.used_slabs == prev->slabs.used_slabs &&
            cur->slabs.free_pages == prev->slabs.free_pages) {
            reads = i;
            prev = cur;
            break;
        }
        have_prev = ok;
        have_any |= ok;
        if (ok) {
            struct zone_reading *t = prev;
            prev = cur;
            cur = t;
        }
    }
    if (have_any)
        *out = *prev;
    free(pair);
    return have_any ? reads : 0;
}

uint64_t slab_largest_alloc(const struct slab_report *sr)
{
    if (sr->largest_free_run)
        return sr->largest_free_run * sr->pagesize;
    for (int k = sr->nslots - 1; k >= 0; k--)
        if (sr->slots[k].total > sr->slots[k].used)
            return sr->slots[k].size;
    return 0;
}
