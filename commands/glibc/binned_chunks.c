#include "binned_chunks.h"

#include "huge_array.h"
#include "lower_bound.h"

#include <stdlib.h>

/* The directory has an entry per 2^dir_shift granules: 4 KiB of heap, or
 * coarser so that it never has many more entries than there are records
 * (a random lookup then costs one or two cache misses, not a bsearch's
 * twenty). */
enum {
    DIR_SHIFT_MIN = 8,
    RANK_BLOCK = 128,                 /* granules: two words, at most two popcounts
                                       * (Debian's baseline CPU has no popcnt) */
    BITS_MAX = 12 << 20,              /* bytes of bits: 1.5 GiB of heap segments */
};

_Static_assert(BINNED_MAX < BINNED_FD_ELSEWHERE, "record indices are below the fd markers");

void binned_chunks_free(struct binned_chunks *b)
{
    huge_array_free(b->v, BINNED_MAX * sizeof *b->v);
    free(b->dir);
    free(b->bits);
    free(b->rank);
    huge_array_free(b->next, BINNED_MAX * sizeof *b->next);
    free(b->seen);
    *b = (struct binned_chunks){ 0 };
}

bool binned_chunks_add(struct binned_chunks *b, uint32_t granule, uint32_t fd, uint32_t size16)
{
    if (!b->v)
        b->v = huge_array_alloc(BINNED_MAX * sizeof *b->v);
    if (b->n >= BINNED_MAX || !b->v) {
        b->overflow = true;
        return false;
    }
    b->v[b->n++] = (struct binned_chunk){ .granule = granule, .fd = fd, .size16 = size16 };
    return true;
}

static int by_granule(const void *x, const void *y)
{
    const struct binned_chunk *a = x, *b = y;
    return a->granule < b->granule ? -1 : a->granule > b->granule;
}

/* A bit per granule, and the records before each block: for heaps up to
 * BITS_MAX * 8 granules; false if larger or out of memory. */
static bool index_bits(struct binned_chunks *b)
{
    size_t granules = b->n ? (size_t)b->v[b->n - 1].granule + 1 : 0;
    size_t blocks = granules / RANK_BLOCK + 1, words = blocks * (RANK_BLOCK / 64);
    if (words * 8 > BITS_MAX)
        return false;
    b->bits = calloc(words, sizeof *b->bits);
    b->rank = malloc(blocks * sizeof *b->rank);
    if (!b->bits || !b->rank) {
        free(b->bits);
        free(b->rank);
        b->bits = NULL;
        b->rank = NULL;
        return false;
    }
    for (size_t i = 0; i < b->n; i++)
        b->bits[b->v[i].granule / 64] |= 1ull << (b->v[i].granule % 64);
    uint32_t before = 0;
    for (size_t k = 0; k < blocks; k++) {
        b->rank[k] = before;
        for (size_t w = k * (RANK_BLOCK / 64); w < (k + 1) * (RANK_BLOCK / 64); w++)
            before += (uint32_t)__builtin_popcountll(b->bits[w]);
    }
    b->nbits = granules;
    return true;
}

bool binned_chunks_index(struct binned_chunks *b)
{
    bool sorted = true;
    for (size_t i = 1; i < b->n && sorted; i++)
        sorted = b->v[i - 1].granule < b->v[i].granule;
    if (!sorted) {
        qsort(b->v, b->n, sizeof *b->v, by_granule);
        size_t kept = 0;
        for (size_t i = 0; i < b->n; i++)
            if (!kept || b->v[i].granule != b->v[kept - 1].granule)
                b->v[kept++] = b->v[i];
        b->n = kept;
    }
    free(b->bits);
    free(b->rank);
    free(b->dir);
    b->bits = NULL;
    b->rank = NULL;
    b->nbits = 0;
    b->dir = NULL;
    if (index_bits(b))
        return true;
    b->dir_shift = DIR_SHIFT_MIN;
    while (b->n && ((size_t)b->v[b->n - 1].granule >> b->dir_shift) > 2 * b->n + 1024)
        b->dir_shift++;
    b->ndir = b->n ? ((size_t)b->v[b->n - 1].granule >> b->dir_shift) + 2 : 0;
    if (!b->ndir)
        return true;
    b->dir = malloc(b->ndir * sizeof *b->dir);
    if (!b->dir) {
        b->ndir = 0;
        return false;
    }
    size_t i = 0;
    for (size_t d = 0; d < b->ndir; d++) {
        while (i < b->n && (b->v[i].granule >> b->dir_shift) < d)
            i++;
        b->dir[d] = (uint32_t)i;
    }
    return true;
}

/* The records of GRANULE's directory bucket: [*lo, *hi); false if none. */
static bool bucket_of(const struct binned_chunks *b, uint32_t granule, uint32_t *lo,
                      uint32_t *hi)
{
    size_t d = granule >> b->dir_shift;
    if (granule == BINNED_FD_HEAD || granule == BINNED_FD_ELSEWHERE || d + 1 >= b->ndir)
        return false;
    *lo = b->dir[d];
    *hi = b->dir[d + 1];
    return true;
}

/* The index of GRANULE's record in bucket [lo, hi), or BINNED_FD_ELSEWHERE. */
static uint32_t index_in_bucket(const struct binned_chunks *b, uint32_t lo, uint32_t hi,
                                uint32_t granule)
{
    size_t i = lo + LOWER_BOUND(b->v + lo, hi - lo, granule, granule);
    return i < hi && b->v[i].granule == granule ? (uint32_t)i : BINNED_FD_ELSEWHERE;
}

/* The index of GRANULE's record by the bits, or BINNED_FD_ELSEWHERE. */
static uint32_t index_by_bits(const struct binned_chunks *b, uint32_t granule)
{
    if (granule >= b->nbits || !(b->bits[granule / 64] >> (granule % 64) & 1))
        return BINNED_FD_ELSEWHERE;
    size_t block = granule / RANK_BLOCK, w = granule / 64;
    uint32_t i = b->rank[block];
    for (size_t k = block * (RANK_BLOCK / 64); k < w; k++)
        i += (uint32_t)__builtin_popcountll(b->bits[k]);
    return i + (uint32_t)__builtin_popcountll(b->bits[w] & ((1ull << (granule % 64)) - 1));
}

static uint32_t index_of(const struct binned_chunks *b, uint32_t granule)
{
    uint32_t lo, hi;
    if (b->bits)
        return index_by_bits(b, granule);
    return bucket_of(b, granule, &lo, &hi) ? index_in_bucket(b, lo, hi, granule)
                                           : BINNED_FD_ELSEWHERE;
}

const struct binned_chunk *binned_chunks_find(const struct binned_chunks *b, uint32_t granule)
{
    uint32_t i = index_of(b, granule);
    return i == BINNED_FD_ELSEWHERE ? NULL : &b->v[i];
}

enum { LINK_BATCH = 32 };

bool binned_chunks_unsee(struct binned_chunks *b)
{
    free(b->seen);
    b->seen = calloc(b->n / 64 + 1, sizeof *b->seen);
    return b->seen != NULL;
}

bool binned_chunks_link(struct binned_chunks *b)
{
    if (!b->next)
        b->next = huge_array_alloc(BINNED_MAX * sizeof *b->next);
    if (!binned_chunks_unsee(b) || !b->next)
        return false;
    for (size_t i = 0; b->bits && i < b->n; i++) {
        uint32_t fd = b->v[i].fd;
        b->next[i] = fd == BINNED_FD_HEAD ? BINNED_FD_HEAD : index_by_bits(b, fd);
    }
    for (size_t base = 0; !b->bits && base < b->n; base += LINK_BATCH) {
        size_t m = b->n - base < LINK_BATCH ? b->n - base : LINK_BATCH;
        uint32_t lo[LINK_BATCH], hi[LINK_BATCH];
        /* all the batch's buckets requested before any is searched */
        for (size_t k = 0; k < m; k++) {
            if (!bucket_of(b, b->v[base + k].fd, &lo[k], &hi[k]))
                lo[k] = hi[k] = 0;
            __builtin_prefetch(&b->v[lo[k]]);
            __builtin_prefetch(&b->v[lo[k] + (hi[k] - lo[k]) / 2]);
        }
        for (size_t k = 0; k < m; k++) {
            uint32_t fd = b->v[base + k].fd;
            b->next[base + k] = fd == BINNED_FD_HEAD ? BINNED_FD_HEAD
                                                     : index_in_bucket(b, lo[k], hi[k], fd);
        }
    }
    return true;
}

void binned_chunks_clear(struct binned_chunks *b)
{
    b->n = 0;
    b->overflow = false;
}
