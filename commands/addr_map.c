#include "addr_map.h"

#include <stdlib.h>
#include <string.h>

void addr_map_init(struct addr_map *m, size_t max_count)
{
    memset(m, 0, sizeof *m);
    m->max_count = max_count;
}

void addr_map_free(struct addr_map *m)
{
    free(m->keys);
    free(m->tags);
    memset(m, 0, sizeof *m);
}

static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

static bool grow(struct addr_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint8_t *tags = calloc(cap, 1);
    if (!keys || !tags) {
        free(keys);
        free(tags);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t s = slot_of(m->keys[i], cap);
        while (keys[s])
            s = (s + 1) & (cap - 1);
        keys[s] = m->keys[i];
        tags[s] = m->tags[i];
    }
    free(m->keys);
    free(m->tags);
    m->keys = keys;
    m->tags = tags;
    m->cap = cap;
    return true;
}

enum addr_map_put addr_map_put(struct addr_map *m, uint64_t key, uint8_t tag)
{
    if (m->count >= m->max_count)
        return addr_map_get(m, key) ? ADDR_MAP_PRESENT : ADDR_MAP_FULL;
    if ((m->count + 1) * 2 > m->cap && !grow(m))
        return ADDR_MAP_FULL;
    size_t s = slot_of(key, m->cap);
    while (m->keys[s]) {
        if (m->keys[s] == key)
            return ADDR_MAP_PRESENT;
        s = (s + 1) & (m->cap - 1);
    }
    m->keys[s] = key;
    m->tags[s] = tag;
    m->count++;
    return ADDR_MAP_ADDED;
}

uint8_t addr_map_get(const struct addr_map *m, uint64_t key)
{
    if (!m->cap)
        return 0;
    size_t s = slot_of(key, m->cap);
    while (m->keys[s]) {
        if (m->keys[s] == key)
            return m->tags[s];
        s = (s + 1) & (m->cap - 1);
    }
    return 0;
}
