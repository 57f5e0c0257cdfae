#include "chunk_tags.h"

#include "grow_array.h"
#include "lower_bound.h"
#include "radix_sort.h"

#include <stdlib.h>
#include <string.h>

void chunk_tags_init(struct chunk_tags *t, size_t max)
{
    memset(t, 0, sizeof *t);
    t->max = max;
}

void chunk_tags_free(struct chunk_tags *t)
{
    free(t->v);
    memset(t, 0, sizeof *t);
}

bool chunk_tags_add(struct chunk_tags *t, uint64_t addr, uint8_t cls)
{
    if (t->n >= t->max)
        return false;
    if (!grow_array(&t->v, &t->cap, t->n, sizeof *t->v, 1024))
        return false;
    t->v[t->n].addr = addr;
    t->v[t->n].cls = cls;
    t->n++;
    return true;
}

static int by_addr(const void *a, const void *b)
{
    const struct chunk_tag *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* By address: a few linear passes where qsort's compares took 10 ms for
 * 100K fastbin chunks. */
RADIX_SORT_DEFINE(radix_sort, struct chunk_tag, e_.addr)

size_t chunk_tags_sort(struct chunk_tags *t, uint64_t *first_duplicate)
{
    if (t->n && !radix_sort(t->v, t->n))
        qsort(t->v, t->n, sizeof *t->v, by_addr);
    size_t out = 0, dups = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (out && t->v[out - 1].addr == t->v[i].addr) {
            if (!dups++ && first_duplicate)
                *first_duplicate = t->v[i].addr;
            continue;
        }
        t->v[out++] = t->v[i];
    }
    t->n = out;
    return dups;
}

size_t chunk_tags_lower_bound(const struct chunk_tags *t, uint64_t addr)
{
    return LOWER_BOUND(t->v, t->n, addr, addr);
}
