#include "heap_claims.h"

#include "grow_array.h"
#include "lower_bound.h"

#include <stdlib.h>
#include <string.h>

int heap_claims_owner(struct heap_claims *c, char map_char, enum claim_part part, int tag)
{
    for (int i = 0; i < c->nowners; i++)
        if (c->owners[i].map_char == map_char && c->owners[i].part == part &&
            c->owners[i].tag == tag)
            return i;
    if (c->nowners == CLAIM_OWNERS_MAX)
        return -1;
    c->owners[c->nowners] = (struct claim_owner){ map_char, part, tag };
    return c->nowners++;
}

void heap_claim(struct heap_claims *c, uint64_t start, uint64_t end, int owner)
{
    if (owner < 0 || owner >= c->nowners || end <= start)
        return;
    if (!grow_array(&c->v, &c->cap, c->n, sizeof *c->v, 256)) {
        c->oom = true;
        return;
    }
    /* in order and apart, as a census gives them, the list stays as it is */
    c->sorted = !c->n || (c->sorted && c->v[c->n - 1].end <= start);
    c->v[c->n++] = (struct claim){ start, end, owner };
}

static int by_start(const void *a, const void *b)
{
    const struct claim *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* In address order and disjoint: where two overlap, the one starting
 * first keeps the overlap. */
static void sort_listed(struct heap_claims *c)
{
    if (c->sorted)
        return;
    qsort(c->v, c->n, sizeof *c->v, by_start);
    size_t kept = 0;
    for (size_t i = 0; i < c->n; i++) {
        struct claim k = c->v[i];
        if (kept && k.start < c->v[kept - 1].end)
            k.start = c->v[kept - 1].end;
        if (k.start < k.end)
            c->v[kept++] = k;
    }
    c->n = kept;
    c->sorted = true;
}

void heap_claims_attach(struct heap_claims *c, claim_source_fn source, const void *src)
{
    c->source = source;
    c->src = src;
}

void heap_claims_each_listed(struct heap_claims *c, claim_fn fn, void *arg)
{
    sort_listed(c);
    for (size_t i = 0; i < c->n; i++)
        fn(arg, c->v[i].start, c->v[i].end, c->v[i].owner);
}

void heap_claims_each(struct heap_claims *c, claim_fn fn, void *arg)
{
    if (c->source)
        c->source(c->src, fn, arg);
    else
        heap_claims_each_listed(c, fn, arg);
}

int heap_claims_listed_at(struct heap_claims *c, uint64_t addr, size_t *cursor)
{
    sort_listed(c);
    size_t i = *cursor;
    /* asked in address order: on from the last answer; else a search */
    if (i > c->n || (i > 0 && c->v[i - 1].start > addr))
        i = FIRST_WHERE(c->n, k, c->v[k].start > addr);
    while (i < c->n && c->v[i].start <= addr)
        i++;
    *cursor = i;
    return i > 0 && addr < c->v[i - 1].end ? c->v[i - 1].owner : -1;
}

void heap_claims_release(struct heap_claims *c)
{
    free(c->v);
    memset(c, 0, sizeof *c);
}
