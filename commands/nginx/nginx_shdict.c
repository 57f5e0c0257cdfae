#include "nginx_shdict.h"

#include "chunk_tags.h"   /* struct cycle_check */
#include "top_n.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

const char *const shdict_type_names[SHDICT_TYPES] = {
    "nil", "boolean", "unknown", "number", "string", "list",
};

enum {
    SLAB_DATA = 184,          /* ngx_slab_pool_t.data: the dict's shctx */
    SHCTX_LRU = 64,           /* ngx_http_lua_shdict_shctx_t.lru_queue */
    NODE_QUEUE = 48,          /* node = queue link - 48 */
    NODE_SD = 32,             /* ngx_http_lua_shdict_node_t inside the rbtree node */
    NODE_DATA = 68,           /* key, then value */
};

/* The node's fields from SD, and its key, read once into KEY (room for
 * UINT16_MAX bytes). False when the key cannot be read or does not hash
 * to the node's rbtree key (ngx_crc32_short() of it): the node is
 * corrupt, or being rewritten under us. */
static bool read_entry(const struct mem_reader *m, uint64_t node, const uint8_t *sd,
                       unsigned char *key, struct shdict_entry *e)
{
    uint32_t vlen;
    uint64_t hash;
    memcpy(&e->key_len, sd + 2, 2);
    memcpy(&vlen, sd + 4, 4);
    memcpy(&e->expires, sd + 8, 8);
    e->type = sd[1];
    e->value_len = vlen;
    e->alloc = NODE_DATA + e->key_len + (e->type == 5 ? 16 : vlen);
    if (!mem_read_u64(m, node, &hash) || mem_read(m, node + NODE_DATA, key, e->key_len) != 0 ||
        (hash & 0xffffffffu) != crc32(0L, key, e->key_len))
        return false;
    inferior_text_set(&e->key, key, e->key_len);
    return true;
}

static void keep_top(struct shdict_report *r, const struct shdict_entry *e)
{
    int at = top_n_slot(r->top, sizeof *r->top, offsetof(struct shdict_entry, alloc), &r->ntop,
                        r->want_top, e->alloc);
    if (at >= 0)
        r->top[at] = *e;
}

bool nginx_shdict_report(const struct mem_reader *m, const struct ngx_zone *zone,
                         uint64_t now_ms, int top, shdict_entry_fn each, void *each_arg,
                         struct shdict_report *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->want_top = top < SHDICT_TOP_MAX ? top : SHDICT_TOP_MAX;
    uint64_t shctx, head, link;
    char name[TEXT_OUT], owner[TEXT_OUT];
    unsigned char key[UINT16_MAX];
    text_terminal(&zone->name, name);
    if (!inferior_text_equals(&zone->owner, "ngx_http_lua_module") &&
        !inferior_text_equals(&zone->owner, "ngx_stream_lua_module")) {
        snprintf(err, errlen, "zone \"%s\" belongs to %s, not to a lua_shared_dict", name,
                 text_terminal(&zone->owner, owner));
        return false;
    }
    if (!mem_read_u64(m, zone->addr + SLAB_DATA, &shctx) || shctx < zone->addr ||
        shctx >= zone->addr + zone->size || !mem_read_u64(m, shctx + SHCTX_LRU + 8, &link)) {
        snprintf(err, errlen, "zone \"%s\": no shdict context in its slab pool", name);
        return false;
    }
    head = shctx + SHCTX_LRU;
    uint64_t limit = zone->size / 64;   /* a node takes at least a 64-byte... slot */
    struct cycle_check cc;
    cycle_check_init(&cc, link);
    for (uint64_t n = 0; link != head; n++) {
        if (n >= limit || (n && cycle_check_step(&cc, link)) || link < zone->addr ||
            link >= zone->addr + zone->size) {
            snprintf(err, errlen, "zone \"%s\": corrupt LRU queue at 0x%llx after %llu keys",
                     name, (unsigned long long)link, (unsigned long long)n);
            return false;
        }
        uint64_t node = link - NODE_QUEUE;
        uint8_t sd[32];   /* node+32 .. node+64: sd fields and the queue link */
        if (mem_read(m, node + NODE_SD, sd, sizeof sd) != 0) {
            snprintf(err, errlen, "zone \"%s\": cannot read the node at 0x%llx", name,
                     (unsigned long long)node);
            return false;
        }
        struct shdict_entry e;
        if (!read_entry(m, node, sd, key, &e)) {
            snprintf(err, errlen, "zone \"%s\": the key of the node at 0x%llx (%u bytes) does "
                     "not match its hash", name, (unsigned long long)node, e.key_len);
            return false;
        }
        if (e.alloc > zone->addr + zone->size - node) {
            snprintf(err, errlen, "zone \"%s\": the node at 0x%llx claims %llu bytes of key "
                     "and value, past the zone's end", name, (unsigned long long)node,
                     (unsigned long long)e.alloc);
            return false;
        }
        r->keys++;
        r->key_bytes += e.key_len;
        r->value_bytes += e.type == 5 ? 0 : e.value_len;
        r->alloc_bytes += e.alloc;
        r->by_type[e.type < SHDICT_TYPES ? e.type : 2]++;
        if (e.expires && e.expires <= now_ms)
            r->expired++;
        if (n == 0)
            r->newest = e;
        r->oldest = e;
        keep_top(r, &e);
        if (each)
            each(each_arg, node, &e);
        memcpy(&link, sd + (NODE_QUEUE - NODE_SD + 8), 8);   /* queue.next */
    }
    return true;
}
