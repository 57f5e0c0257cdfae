/* The N biggest of a stream of elements, kept sorted biggest first in an
 * array (ties in the order they came). */
#ifndef NGXMEM_TOP_N_H
#define NGXMEM_TOP_N_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* V: *N elements of SIZE bytes, each with a uint64_t key KEY_AT bytes in,
 * at most WANT of them. The slot an element of KEY goes to -- the smaller
 * ones moved down a place, the last dropped when the array is full -- for
 * the caller to write, or -1 when it is not among the WANT biggest. */
static inline int top_n_slot(void *v, size_t size, size_t key_at, int *n, int want, uint64_t key)
{
    char *b = v;
    int at = *n;
    for (; at > 0; at--) {
        uint64_t k;
        memcpy(&k, b + (size_t)(at - 1) * size + key_at, sizeof k);
        if (k >= key)
            break;
    }
    if (at >= want)
        return -1;
    int last = *n < want ? *n : want - 1;
    memmove(b + (size_t)(at + 1) * size, b + (size_t)at * size, (size_t)(last - at) * size);
    if (*n < want)
        ++*n;
    return at;
}

#endif
