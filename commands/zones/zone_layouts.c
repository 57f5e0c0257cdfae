#include "zone_layouts.h"

#include "zone_entries.h"

#include <stdio.h>
#include <string.h>

const struct ss_layout ss_layouts[3] = {
    { 0 }, { 128, 48, 64, 80, 96, 56 }, { 112, 40, 48, 64, 72, 104 },
};

/* sizes without --with-compat; its padding (NGX_COMPAT_BEGIN) is peer_compat */
const struct up_layout up_layouts[5] = {
    { 0 },
    { 72, 24, 48, 56, 64, 184, 176, 32 * 8 },
    { 80, 24, 56, 64, 72, 184, 176, 32 * 8 },
    { 96, 40, 72, 80, 88, 200, 192, 15 * 8 },
    { 96, 40, 72, 80, 88, 216, 208, 13 * 8 },
};

_Static_assert(208 + 8 <= UP_PEER_READ, "a server's next pointer lies in what is read of it");

struct field {
    const char *expr;            /* as GDB evaluates it: the field's offset */
    uint32_t off;
};

/* Offsets of fields inside a module's node are from the rbtree node's
 * color on (RBTREE_COLOR = 32): the expressions give them from there. */
static const struct field limit_req_fields[] = {
    { "((ngx_rbtree_node_t *) 0)->color", 32 },
    { "((ngx_http_limit_req_node_t *) 0)->len", LR_LEN - 32 },
    { "((ngx_http_limit_req_node_t *) 0)->queue", LR_QUEUE - 32 },
    { "((ngx_http_limit_req_node_t *) 0)->last", LR_LAST - 32 },
    { "((ngx_http_limit_req_node_t *) 0)->excess", LR_EXCESS - 32 },
    { "((ngx_http_limit_req_node_t *) 0)->data", LR_DATA - 32 },
    { "((ngx_http_limit_req_shctx_t *) 0)->queue", LR_SH_QUEUE },
    { "((ngx_http_limit_req_ctx_t *) 0)->rate", LR_CTX_RATE },
};
static const struct field limit_conn_fields[] = {
    { "((ngx_rbtree_node_t *) 0)->color", 32 },
    { "((ngx_http_limit_conn_node_t *) 0)->len", LC_LEN - 32 },
    { "((ngx_http_limit_conn_node_t *) 0)->conn", LC_CONN - 32 },
    { "((ngx_http_limit_conn_node_t *) 0)->data", LC_DATA - 32 },
};
static const struct field stream_limit_conn_fields[] = {
    { "((ngx_rbtree_node_t *) 0)->color", 32 },
    { "((ngx_stream_limit_conn_node_t *) 0)->len", LC_LEN - 32 },
    { "((ngx_stream_limit_conn_node_t *) 0)->conn", LC_CONN - 32 },
    { "((ngx_stream_limit_conn_node_t *) 0)->data", LC_DATA - 32 },
};
static const struct field cache_fields[] = {
    { "((ngx_http_file_cache_node_t *) 0)[1]", FC_NODE },
    { "((ngx_http_file_cache_node_t *) 0)->queue", FC_QUEUE },
    { "((ngx_http_file_cache_node_t *) 0)->key", FC_KEY },
    { "((ngx_http_file_cache_node_t *) 0)->uniq", FC_BITS + 8 },
    { "((ngx_http_file_cache_node_t *) 0)->expire", FC_EXPIRE },
    { "((ngx_http_file_cache_node_t *) 0)->fs_size", FC_FS_SIZE },
    { "((ngx_http_file_cache_sh_t *) 0)->queue", SH_QUEUE },
    { "((ngx_http_file_cache_sh_t *) 0)->cold", SH_COLD },
    { "((ngx_http_file_cache_sh_t *) 0)->loading", SH_COLD + 8 },
    { "((ngx_http_file_cache_sh_t *) 0)->size", SH_COLD + 16 },
    { "((ngx_http_file_cache_sh_t *) 0)->count", SH_COLD + 24 },
};

static int check(const struct mem_reader *m, const struct field *f, size_t n, int *differ,
                 char *diff, size_t difflen, size_t *at)
{
    int checked = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t off;
        if (!mem_symbol(m, f[i].expr, &off))
            continue;
        checked++;
        if (off == f[i].off)
            continue;
        ++*differ;
        if (*at < difflen)
            *at += (size_t)snprintf(diff + *at, difflen - *at, "%s%s at %llu (read at %u)",
                                    *differ > 1 ? ", " : "", f[i].expr,
                                    (unsigned long long)off, f[i].off);
    }
    return checked;
}

void zone_layout_check(const struct mem_reader *m, int kind, bool stream, int variant,
                       uint32_t slab_data, char *out, size_t outlen)
{
    char diff[400] = "";
    size_t at = 0;
    int differ = 0, checked = 0;
    uint64_t off;
    if (kind == ZK_UNKNOWN || !mem_symbol(m, "((ngx_slab_pool_t *) 0)->data", &off)) {
        snprintf(out, outlen, "no nginx debug info: the module's layout as read");
        return;
    }
    const struct field slab[] = { { "((ngx_slab_pool_t *) 0)->data", slab_data } };
    checked += check(m, slab, 1, &differ, diff, sizeof diff, &at);
    switch (kind) {
    case ZK_LIMIT_REQ:
        checked += check(m, limit_req_fields, sizeof limit_req_fields / sizeof *limit_req_fields,
                         &differ, diff, sizeof diff, &at);
        break;
    case ZK_LIMIT_CONN:
        checked += stream
            ? check(m, stream_limit_conn_fields, 4, &differ, diff, sizeof diff, &at)
            : check(m, limit_conn_fields, 4, &differ, diff, sizeof diff, &at);
        break;
    case ZK_FILE_CACHE: {
        checked += check(m, cache_fields, sizeof cache_fields / sizeof *cache_fields, &differ,
                         diff, sizeof diff, &at);
        /* max_size then bsize in ngx_http_file_cache_t: where the reader
         * found them (VARIANT: max_size's word) */
        if (variant) {
            const struct field conf[] = {
                { "((ngx_http_file_cache_t *) 0)->max_size", (uint32_t)variant * 8 },
                { "((ngx_http_file_cache_t *) 0)->bsize", (uint32_t)variant * 8 + 8 },
            };
            checked += check(m, conf, 2, &differ, diff, sizeof diff, &at);
        }
        break;
    }
    case ZK_SSL_SESSIONS: {
        /* the layout the sessions had, else the one whose len is there */
        int l = variant;
        if (!l && mem_symbol(m, "((ngx_ssl_sess_id_t *) 0)->len", &off))
            l = off == ss_layouts[SS_OLD].len ? SS_OLD : SS_NEW;
        if (!l)
            break;
        const struct ss_layout *s = &ss_layouts[l];
        const struct field f[] = {
            { "((ngx_ssl_sess_id_t *) 0)[1]", s->bytes },
            { "((ngx_ssl_sess_id_t *) 0)->len", s->len },
            { "((ngx_ssl_sess_id_t *) 0)->queue", s->queue },
            { "((ngx_ssl_sess_id_t *) 0)->expire", s->expire },
            { l == SS_OLD ? "((ngx_ssl_sess_id_t *) 0)->sess_id" : "((ngx_ssl_sess_id_t *) 0)->id",
              s->id },
            { "((ngx_ssl_sess_id_t *) 0)->session", s->session },
            { "((ngx_ssl_session_cache_t *) 0)->expire_queue", SS_QUEUE_HEAD },
        };
        checked += check(m, f, sizeof f / sizeof *f, &differ, diff, sizeof diff, &at);
        break;
    }
    case ZK_UPSTREAM: {
        int l = variant;
        if (!l && mem_symbol(m, "((ngx_http_upstream_rr_peers_t *) 0)->name", &off))
            l = off == up_layouts[UP_1_18].name ? UP_1_18
                : off == up_layouts[UP_1_19_6].name ? UP_1_19_6
                : mem_symbol(m, "((ngx_http_upstream_rr_peer_t *) 0)->next", &off) &&
                  off == up_layouts[UP_1_29_6].peer_next ? UP_1_29_6 : UP_1_27_3;
        if (!l)
            break;
        const struct up_layout *u = &up_layouts[l];
        const struct field f[] = {
            { "((ngx_http_upstream_rr_peers_t *) 0)->shpool", UP_SHPOOL },
            { "((ngx_http_upstream_rr_peers_t *) 0)->zone_next", u->zone_next },
            { "((ngx_http_upstream_rr_peers_t *) 0)->name", u->name },
            { "((ngx_http_upstream_rr_peers_t *) 0)->next", u->next },
            { "((ngx_http_upstream_rr_peers_t *) 0)->peer", u->peer },
            { "((ngx_http_upstream_rr_peer_t *) 0)->socklen", UP_PEER_SOCKLEN },
            { "((ngx_http_upstream_rr_peer_t *) 0)->name", UP_PEER_NAME },
            { "((ngx_http_upstream_rr_peer_t *) 0)->server", UP_PEER_SERVER },
            { "((ngx_http_upstream_rr_peer_t *) 0)->weight", UP_PEER_WEIGHT },
            { "((ngx_http_upstream_rr_peer_t *) 0)->conns", UP_PEER_CONNS },
            { "((ngx_http_upstream_rr_peer_t *) 0)->max_conns", UP_PEER_MAX_CONNS },
            { "((ngx_http_upstream_rr_peer_t *) 0)->fails", UP_PEER_FAILS },
            { "((ngx_http_upstream_rr_peer_t *) 0)->max_fails", UP_PEER_MAX_FAILS },
            { "((ngx_http_upstream_rr_peer_t *) 0)->down", UP_PEER_DOWN },
            { "((ngx_http_upstream_rr_peer_t *) 0)->next", u->peer_next },
        };
        checked += check(m, f, sizeof f / sizeof *f, &differ, diff, sizeof diff, &at);
        break;
    }
    default:
        break;   /* lua_shared_dict: lua-nginx-module's own types, not nginx's */
    }
    if (!differ)
        snprintf(out, outlen, "nginx debug info agrees with the layout (%d offsets)", checked);
    else
        snprintf(out, outlen, "nginx debug info disagrees with the layout: %s", diff);
}
