#include "nginx_rbtree.h"

#include <stdio.h>
#include <string.h>

/* A red-black tree's depth is at most 2 log2(n + 1): 94 for the most
 * nodes 2^47 bytes hold; a preorder walk keeps depth + 1 entries. */
enum { STACK_MAX = 128 };

static bool in_zone(const struct rbtree_walk *w, uint64_t p, uint64_t len)
{
    return p >= w->lo && p < w->hi && w->hi - p >= len && !(p & 7);
}

bool nginx_rbtree_walk(const struct mem_reader *m, const struct rbtree_walk *w,
                       rbtree_node_fn fn, void *arg, uint64_t *count, char *err,
                       size_t errlen)
{
    uint64_t head[2], stack[STACK_MAX];
    uint8_t node[RBTREE_NODE_READ_MAX];
    size_t depth = 0, len = w->node_read;
    *count = 0;
    if (len < RBTREE_NODE_BYTES || len > sizeof node) {
        snprintf(err, errlen, "a tree node of %zu bytes is no ngx_rbtree_node_t", len);
        return false;
    }
    if (mem_read(m, w->tree, head, sizeof head) != 0 || !in_zone(w, head[1], RBTREE_NODE_BYTES)) {
        snprintf(err, errlen, "no red-black tree at 0x%llx (its sentinel 0x%llx is not in the "
                 "zone)", (unsigned long long)w->tree, (unsigned long long)head[1]);
        return false;
    }
    uint64_t sentinel = head[1];
    if (head[0] != sentinel)
        stack[depth++] = head[0];
    while (depth) {
        uint64_t at = stack[--depth];
        if (!in_zone(w, at, len)) {
            snprintf(err, errlen, "tree node 0x%llx outside the zone after %llu nodes",
                     (unsigned long long)at, (unsigned long long)*count);
            return false;
        }
        if (++*count > w->max_nodes) {
            snprintf(err, errlen, "more than %llu tree nodes, as many as the zone holds: a "
                     "cycle, or the tree changed while it was read",
                     (unsigned long long)w->max_nodes);
            return false;
        }
        if (mem_read(m, at, node, len) != 0) {
            snprintf(err, errlen, "cannot read tree node 0x%llx", (unsigned long long)at);
            return false;
        }
        if (!fn(arg, at, node, err, errlen))
            return false;
        uint64_t child[2];
        memcpy(child, node + 8, sizeof child);   /* left, right */
        for (int k = 1; k >= 0; k--) {
            if (child[k] == sentinel)
                continue;
            if (depth == STACK_MAX) {
                snprintf(err, errlen, "tree deeper than %d at node 0x%llx: no red-black tree",
                         STACK_MAX, (unsigned long long)at);
                return false;
            }
            stack[depth++] = child[k];
        }
    }
    return true;
}
