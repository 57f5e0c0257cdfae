#include "huge_array.h"

#include <sys/mman.h>

void *huge_array_alloc(size_t bytes)
{
    if (!bytes)
        return NULL;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, bytes, MADV_HUGEPAGE);    /* advice: fine if refused */
    return p;
}

void huge_array_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes);
}
