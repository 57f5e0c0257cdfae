/* glibc's mmapped chunks: each request at the mmap threshold that neither
 * a free chunk nor the top held got a mapping of its own. mp_ counts them
 * (n_mmaps, mmapped_mem) but lists none: they are found in the private
 * anonymous writable mappings that hold no heap segment, by their headers
 * (prev_size: the chunk's offset into its mapping, 0 unless aligned; size
 * with IS_MMAPPED; offset and size whole pages that the mapping holds).
 * The kernel merges neighbours into one mapping, so each mapping is
 * followed chunk after chunk. */
#ifndef NGXMEM_GLIBC_MMAPPED_H
#define NGXMEM_GLIBC_MMAPPED_H

#include "glibc_heap.h"
#include "mem_mapping.h"

struct glibc_mmapped {
    uint64_t *addr, *size;       /* chunk addresses and sizes, in address order */
    size_t n, cap;
    uint64_t bytes;              /* their chunks' sizes */
    uint64_t mapped;             /* their mappings' (an aligned chunk starts
                                  * prev_size bytes in) */
    bool matches_mp;             /* count and mapped bytes are mp_'s exactly */
};

/* Find them in MAPS (PAGE_SIZE pages). False + ERR when memory runs out;
 * release OUT in every case. */
bool glibc_mmapped_find(const struct mem_reader *m, struct glibc_heap *h,
                        const struct mem_mappings *maps, uint64_t page_size,
                        struct glibc_mmapped *out, char *err, size_t errlen);
void glibc_mmapped_free(struct glibc_mmapped *out);

#endif
