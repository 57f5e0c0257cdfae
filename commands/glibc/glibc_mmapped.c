#include "glibc_mmapped.h"

#include "grow_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { IS_MMAPPED = 2, MAX_ALIGN_OFFSET = 1 << 16 };

void glibc_mmapped_free(struct glibc_mmapped *out)
{
    free(out->addr);
    free(out->size);
    memset(out, 0, sizeof *out);
}

static bool add(struct glibc_mmapped *out, uint64_t addr, uint64_t size, uint64_t extra)
{
    out->mapped += extra + size;   /* the mapping: alignment offset, tail */
    size_t cap = out->cap;
    if (!grow_array(&out->addr, &cap, out->n, sizeof *out->addr, 64) ||
        !grow_array(&out->size, &out->cap, out->n, sizeof *out->size, 64))
        return false;
    out->addr[out->n] = addr;
    out->size[out->n++] = size;
    out->bytes += size;
    return true;
}

/* A mapping that may hold mmapped chunks: private, anonymous, writable,
 * and no heap segment in it. */
static bool candidate(struct glibc_heap *h, const struct mem_mapping *mp)
{
    return mp->readable && mp->writable && !mp->shared && !mp->file && mp->path[0] == '\0' &&
           glibc_heap_segment_at(h, mp->start) < 0 &&
           glibc_heap_segment_at(h, mp->end - 1) < 0;
}

bool glibc_mmapped_find(const struct mem_reader *m, struct glibc_heap *h,
                        const struct mem_mappings *maps, uint64_t page_size,
                        struct glibc_mmapped *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    uint64_t ps = page_size ? page_size : 4096;
    for (size_t i = 0; i < maps->n; i++) {
        const struct mem_mapping *mp = &maps->v[i];
        if (!candidate(h, mp))
            continue;
        /* chunk after chunk while each header checks out; bounded by the
         * mapping: every step advances at least a page */
        for (uint64_t at = mp->start; at + ps <= mp->end;) {
            uint64_t hdr[2];
            if (mem_read(m, at, hdr, sizeof hdr) != 0)
                break;
            uint64_t off = hdr[0], size = hdr[1] & ~(uint64_t)7;
            /* an aligned chunk starts OFF bytes in; its header is there */
            if (off) {
                if (off % 16 || off >= MAX_ALIGN_OFFSET || at + off + 16 > mp->end ||
                    mem_read(m, at + off, hdr, sizeof hdr) != 0 || hdr[0] != off)
                    break;
                size = hdr[1] & ~(uint64_t)7;
            }
            /* the mapping is whole pages: the chunk fills it (glibc up to
             * 2.42), or its header's worth less (2.43) */
            uint64_t mapped = (off + size + ps - 1) / ps * ps;
            if (!(hdr[1] & IS_MMAPPED) || mapped - (off + size) > 16 || size < ps - off - 16 ||
                mapped > mp->end - at)
                break;
            if (!add(out, at + off, size, mapped - size)) {
                snprintf(err, errlen, "out of memory for %zu mmapped chunks", out->n);
                return false;
            }
            at += mapped;
        }
    }
    out->matches_mp = h->st.mp && (uint64_t)h->st.n_mmaps == out->n &&
                      h->st.mmapped_mem == out->mapped;
    return true;
}
