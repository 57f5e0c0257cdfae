/* The layouts the zone readers read (x86-64, nginx 1.18 to 1.29), and
 * their check against nginx's debug info where GDB has it (an nginx built
 * with -g): each offset the readers use, evaluated as GDB sees the type. */
#ifndef NGXMEM_ZONE_LAYOUTS_H
#define NGXMEM_ZONE_LAYOUTS_H

#include "mem_reader.h"

#include <stddef.h>
#include <stdint.h>

/* limit_req: ngx_http_limit_req_node_t from the rbtree node's color (32)
 * on: color, dummy, len (u16), queue, last, excess, count, data; its
 * shctx: rbtree, sentinel, queue; its ctx (zone->data): sh, shpool, rate */
enum { LR_LEN = 34, LR_QUEUE = 40, LR_LAST = 56, LR_EXCESS = 64, LR_DATA = 80,
       LR_SH_QUEUE = 64, LR_CTX_RATE = 16 };
/* limit_conn: color, len (u8), conn (u16), data */
enum { LC_LEN = 33, LC_CONN = 34, LC_DATA = 36 };
/* cache keys: ngx_http_file_cache_node_t (120 bytes): node, queue, key[8],
 * bit fields (count:20, uses:10 in the first word), uniq, expire,
 * valid_sec, body_start, fs_size, lock_time; ngx_http_file_cache_sh_t:
 * rbtree, sentinel, queue, cold, loading, size, count */
enum { FC_NODE = 120, FC_QUEUE = 40, FC_KEY = 56, FC_BITS = 64, FC_EXPIRE = 80,
       FC_FS_SIZE = 104, SH_QUEUE = 64, SH_COLD = 80 };
/* ssl_session_cache: ngx_ssl_sess_id_t, two layouts on 64 bits: up to
 * 1.22 id, len, session, queue, expire, stub, sess_id[32] (128 bytes; id
 * points at sess_id); from 1.23 len, queue, expire, id[32], session (112);
 * ngx_ssl_session_cache_t: rbtree, sentinel, expire_queue */
enum { SS_OLD = 1, SS_NEW = 2, SS_READ = 128, SS_QUEUE_HEAD = 64 };
struct ss_layout {
    uint32_t bytes, len, queue, expire, id, session;
};
extern const struct ss_layout ss_layouts[3];

/* upstream zone: the groups' ngx_http_upstream_rr_peers_t chained by
 * zone_next from shpool->data, each group's servers (and its backup
 * group's) ngx_http_upstream_rr_peer_t; three layouts: up to 1.19.5, then
 * tries (1.19.6), then config, resolve and the peers' refs and host
 * (1.27.3), then the peers' sid before next (1.29.6: the sticky module,
 * built by default, or --with-compat). The peer's fields up to down are
 * where they always were. */
enum { UP_1_18 = 1, UP_1_19_6 = 2, UP_1_27_3 = 3, UP_1_29_6 = 4 };
struct up_layout {
    uint32_t peers_bytes, zone_next, name, next, peer;   /* ngx_http_upstream_rr_peers_t */
    uint32_t peer_bytes, peer_next, peer_compat;         /* ngx_http_upstream_rr_peer_t */
};
extern const struct up_layout up_layouts[5];
enum { UP_SHPOOL = 8, UP_PEER_SOCKLEN = 8, UP_PEER_NAME = 16, UP_PEER_SERVER = 32,
       UP_PEER_WEIGHT = 64, UP_PEER_CONNS = 72, UP_PEER_MAX_CONNS = 80, UP_PEER_FAILS = 88,
       UP_PEER_MAX_FAILS = 112, UP_PEER_DOWN = 144, UP_PEER_READ = 216 };   /* to the last layout's next */

/* What nginx's debug info says of the offsets KIND's reader uses
 * (enum zone_kind; STREAM: the stream module's types; VARIANT: the ssl
 * layout, or the cache conf's max_size offset, as the reader found them;
 * 0: unknown, take the one the debug info matches) into OUT: "no nginx
 * debug info", "agrees (N offsets)" or which differ. */
void zone_layout_check(const struct mem_reader *m, int kind, bool stream, int variant,
                       uint32_t slab_data, char *out, size_t outlen);

#endif
