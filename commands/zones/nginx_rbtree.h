/* The nodes of an nginx red-black tree (ngx_rbtree_t) inside a shared
 * zone, each visited once, iteratively: an explicit stack as deep as a
 * red-black tree of any size in a user address space can be, every
 * pointer inside the zone, at most MAX nodes (the zone's size over its
 * smallest node). A cycle or a tree rewritten under us ends as an error,
 * never a loop. No GDB: a mem_reader. */
#ifndef NGXMEM_NGINX_RBTREE_H
#define NGXMEM_NGINX_RBTREE_H

#include "mem_reader.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ngx_rbtree_node_t: key, left, right, parent, color, data (40 bytes);
 * modules put their node's own fields from color on (32). */
enum { RBTREE_NODE_BYTES = 40, RBTREE_COLOR = 32, RBTREE_NODE_READ_MAX = 256 };

struct rbtree_walk {
    uint64_t lo, hi;             /* the zone: every node lies inside */
    uint64_t tree;               /* the ngx_rbtree_t: root, then sentinel */
    size_t node_read;            /* bytes read at each node (40..256) */
    uint64_t max_nodes;
};

/* FN gets each node's address and its first NODE_READ bytes; false from it
 * stops the walk (an error it wrote to ERR). The number of nodes in
 * *COUNT; false + ERR when the tree is not one. */
typedef bool (*rbtree_node_fn)(void *arg, uint64_t node, const uint8_t *bytes, char *err,
                               size_t errlen);
bool nginx_rbtree_walk(const struct mem_reader *m, const struct rbtree_walk *w,
                       rbtree_node_fn fn, void *arg, uint64_t *count, char *err,
                       size_t errlen);

#endif
