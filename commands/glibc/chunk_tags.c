#include "chunk_tags.h"

#include "grow_array.h"
#include "lower_bound.h"

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

/* By address, a byte at a time from the lowest (stable), skipping the
 * bytes all addresses share: a few linear passes where qsort's compares
 * took 10 ms for 100K fastbin chunks. False without memory for a copy. */
static bool radix_sort(struct chunk_tag *v, size_t n)
{
    struct chunk_tag *tmp = malloc(n * sizeof *tmp), *src = v, *dst = tmp;
    if (!tmp)
        return false;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[256] = { 0 };
        for (size_t i = 0; i < n; i++)
            count[(src[i].addr >> shift) & 255]++;
        if (count[(src[0].addr >> shift) & 255] == n)
            continue;
        for (size_t b = 0, sum = 0; b < 256; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i].addr >> shift) & 255]++] = src[i];
        struct chunk_tag *was = src;
        src = dst;
        dst = was;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    free(tmp);
    return true;
}

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
