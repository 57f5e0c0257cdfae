#include "radix_sort.h"

RADIX_SORT_DEFINE(sort_words, uint64_t, e_)

bool radix_sort_u64(uint64_t *v, size_t n)
{
    return sort_words(v, n);
}
