/* The chunks found on free lists (fastbins, tcaches, unsorted), as a
 * sorted array: built once, then consulted in address order by the heap
 * walk with a cursor, which is cheaper than hashing millions of chunks.
 * 16 bytes per listed chunk. */
#ifndef NGXMEM_CHUNK_TAGS_H
#define NGXMEM_CHUNK_TAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chunk_tag {
    uint64_t addr;
    uint8_t cls;
};

struct chunk_tags {
    struct chunk_tag *v;
    size_t n, cap, max;
};

void chunk_tags_init(struct chunk_tags *t, size_t max);
void chunk_tags_free(struct chunk_tags *t);
/* False when MAX entries are reached (or memory runs out). */
bool chunk_tags_add(struct chunk_tags *t, uint64_t addr, uint8_t cls);
/* Sort; returns how many addresses were listed more than once (on two
 * lists at once: a corrupt heap); one entry of each is kept. */
size_t chunk_tags_sort(struct chunk_tags *t, uint64_t *first_duplicate);
/* Index of the first entry with addr >= ADDR. */
size_t chunk_tags_lower_bound(const struct chunk_tags *t, uint64_t addr);

/* Brent's cycle detection for a list walk, in O(1) memory. */
struct cycle_check {
    uint64_t tortoise, power, steps;
};
static inline void cycle_check_init(struct cycle_check *c, uint64_t first)
{
    c->tortoise = first;
    c->power = 1;
    c->steps = 0;
}
/* True if P was seen before (the list loops). */
static inline bool cycle_check_step(struct cycle_check *c, uint64_t p)
{
    if (p == c->tortoise)
        return true;
    if (++c->steps == c->power) {
        c->tortoise = p;
        c->power *= 2;
        c->steps = 0;
    }
    return false;
}

#endif
