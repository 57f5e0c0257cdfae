/* Room for one more element in a growable array: doubles the capacity
 * (starting at FIRST) when N elements already fill it. */
#ifndef NGXMEM_GROW_ARRAY_H
#define NGXMEM_GROW_ARRAY_H

#include <stdbool.h>
#include <stdlib.h>

static inline bool grow_array(void *array, size_t *cap, size_t n, size_t elem, size_t first)
{
    void **v = array;
    if (n < *cap)
        return true;
    size_t c = *cap ? 2 * *cap : first;
    void *w = realloc(*v, c * elem);
    if (!w)
        return false;
    *v = w;
    *cap = c;
    return true;
}

#endif
