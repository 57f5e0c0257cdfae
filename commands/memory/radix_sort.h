/* Sorting many records by a 64-bit key: a byte at a time from the lowest
 * (stable), skipping bytes all keys share; a few linear passes where
 * qsort's compares cost a second for a million keys. */
#ifndef NGXMEM_RADIX_SORT_H
#define NGXMEM_RADIX_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* static bool NAME(TYPE *v, size_t n): V[0..N) sorted by KEY(element), an
 * expression of the element `e_`; false without memory for a copy (V
 * unchanged). */
#define RADIX_SORT_DEFINE(name, type, key)                                         \
    static bool name(type *v, size_t n)                                            \
    {                                                                              \
        if (n < 2)                                                                 \
            return true;                                                           \
        type *tmp = malloc(n * sizeof *tmp), *src = v, *dst = tmp;                 \
        if (!tmp)                                                                  \
            return false;                                                          \
        for (int shift = 0; shift < 64; shift += 8) {                              \
            size_t count[256] = { 0 };                                             \
            for (size_t i = 0; i < n; i++) {                                       \
                const type e_ = src[i];                                            \
                count[((key) >> shift) & 255]++;                                   \
            }                                                                      \
            const type first_ = src[0];                                            \
            {                                                                      \
                const type e_ = first_;                                            \
                if (count[((key) >> shift) & 255] == n)                            \
                    continue;                                                      \
            }                                                                      \
            for (size_t b = 0, sum = 0; b < 256; b++) {                            \
                size_t c = count[b];                                               \
                count[b] = sum;                                                    \
                sum += c;                                                          \
            }                                                                      \
            for (size_t i = 0; i < n; i++) {                                       \
                const type e_ = src[i];                                            \
                dst[count[((key) >> shift) & 255]++] = e_;                         \
            }                                                                      \
            type *was = src;                                                       \
            src = dst;                                                             \
            dst = was;                                                             \
        }                                                                          \
        if (src != v)                                                              \
            memcpy(v, src, n * sizeof *v);                                         \
        free(tmp);                                                                 \
        return true;                                                               \
    }

/* Sort V[0..N) ascending; false without memory for a copy (V unchanged). */
bool radix_sort_u64(uint64_t *v, size_t n);

#endif
