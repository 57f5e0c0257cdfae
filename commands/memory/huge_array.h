/* Large arrays read in random order (free-list records): backed by
 * transparent huge pages where the kernel allows, so that random reads
 * do not miss the TLB at every step (in a VM each miss walks two page
 * tables). Reserved at their maximum size; only touched pages count. */
#ifndef NGXMEM_HUGE_ARRAY_H
#define NGXMEM_HUGE_ARRAY_H

#include <stddef.h>

/* BYTES of zeroed memory, or NULL. */
void *huge_array_alloc(size_t bytes);
void huge_array_free(void *p, size_t bytes);

#endif
