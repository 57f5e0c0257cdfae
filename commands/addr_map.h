/* A compact open-addressing map from chunk address to a small tag: the
 * free-chunk sets built once from bins, fastbins and tcaches. 16 bytes
 * per entry; grows by doubling up to a caller-given bound. */
#ifndef NGXMEM_ADDR_MAP_H
#define NGXMEM_ADDR_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr_map {
    uint64_t *keys;     /* 0 = empty slot (address 0 is never a chunk) */
    uint8_t *tags;
    size_t cap, count, max_count;
};

void addr_map_init(struct addr_map *m, size_t max_count);
void addr_map_free(struct addr_map *m);

enum addr_map_put { ADDR_MAP_ADDED, ADDR_MAP_PRESENT, ADDR_MAP_FULL };
/* Insert KEY with TAG unless present (then the old tag stays). */
enum addr_map_put addr_map_put(struct addr_map *m, uint64_t key, uint8_t tag);
/* Tag of KEY, or 0 when absent. */
uint8_t addr_map_get(const struct addr_map *m, uint64_t key);

#endif
