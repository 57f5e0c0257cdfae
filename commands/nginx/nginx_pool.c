#include "nginx_pool.h"

#include "chunk_tags.h"   /* struct cycle_check */
#include "glibc_layout.h"

#include <stdio.h>
#include <string.h>

enum {
    POOL_HEADER = 80,        /* ngx_pool_t: the first block */
    POOL_DATA_HEADER = 32,   /* ngx_pool_data_t: later blocks */
    MAX_BLOCKS = 1 << 24,
    MAX_LARGE = 1 << 24,
};

struct pool_head {
    uint64_t last, end, next, failed, max, current, chain, large, cleanup, log;
};

static bool read_head(const struct mem_reader *m, uint64_t p, struct pool_head *h, size_t n)
{
    return mem_read(m, p, h, n) == 0;
}

bool nginx_pool_walk(const struct mem_reader *m, uint64_t pool, bool glibc_chunks,
                     struct nginx_pool_stats *s, nginx_block_fn fn, void *arg, char *err,
                     size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->chunk_sizes_known = glibc_chunks;
    struct pool_head h;
    if ((pool & 15) || !read_head(m, pool, &h, sizeof h)) {
        snprintf(err, errlen, "cannot read the pool at 0x%llx", (unsigned long long)pool);
        return false;
    }
    uint64_t size = h.end - pool;
    if (h.end <= pool || size > (1ull << 32) || h.last < pool + POOL_HEADER || h.last > h.end) {
        snprintf(err, errlen, "0x%llx is not a pool (d.last 0x%llx, d.end 0x%llx)",
                 (unsigned long long)pool, (unsigned long long)h.last, (unsigned long long)h.end);
        return false;
    }
    s->first_block_size = size;
    uint64_t large = h.large, cleanup = h.cleanup;
    struct cycle_check cc;
    cycle_check_init(&cc, pool);
    for (uint64_t b = pool, hdr = POOL_HEADER; b; hdr = POOL_DATA_HEADER) {
        struct pool_head d;
        if (s->blocks >= MAX_BLOCKS || (s->blocks && cycle_check_step(&cc, b))) {
            snprintf(err, errlen, "pool 0x%llx: block chain loops or exceeds %d blocks",
                     (unsigned long long)pool, MAX_BLOCKS);
            return false;
        }
        if ((b & 15) || !read_head(m, b, &d, 32) || d.end != b + size ||
            d.last < b + hdr || d.last > d.end) {
            snprintf(err, errlen, "pool 0x%llx: corrupt block 0x%llx (d.last 0x%llx, d.end "
                     "0x%llx, expected block size %llu)", (unsigned long long)pool,
                     (unsigned long long)b, (unsigned long long)d.last,
                     (unsigned long long)d.end, (unsigned long long)size);
            return false;
        }
        if (fn)
            fn(arg, b, false);
        uint64_t chunk_head;
        if (glibc_chunks && mem_read_u64(m, b - 8, &chunk_head) &&
            (chunk_head & 2))   /* IS_MMAPPED */
            s->mmapped_bytes += size;
        s->blocks++;
        s->block_bytes += size;
        s->used_bytes += d.last - b - hdr;
        s->unused_bytes += d.end - d.last;
        b = d.next;
    }
    /* large allocations: malloc'ed; what they occupy is their glibc chunk */
    cycle_check_init(&cc, large);
    for (uint64_t l = large, n = 0; l; n++) {
        uint64_t rec[2], hdrsz;
        if (n >= MAX_LARGE || (n && cycle_check_step(&cc, l)) || mem_read(m, l, rec, 16) != 0) {
            snprintf(err, errlen, "pool 0x%llx: corrupt large list at 0x%llx",
                     (unsigned long long)pool, (unsigned long long)l);
            return false;
        }
        s->large_records++;
        if (rec[1] && !glibc_chunks) {
            s->large_count++;
            if (fn)
                fn(arg, rec[1], true);
        } else if (rec[1]) {
            if (!mem_read_u64(m, rec[1] - 8, &hdrsz)) {
                snprintf(err, errlen, "pool 0x%llx: cannot read the chunk of large 0x%llx",
                         (unsigned long long)pool, (unsigned long long)rec[1]);
                return false;
            }
            s->large_count++;
            s->large_bytes += glibc_chunksize(hdrsz);
            if (hdrsz & 2)   /* IS_MMAPPED */
                s->mmapped_bytes += glibc_chunksize(hdrsz);
            if (fn)
                fn(arg, rec[1], true);
        }
        l = rec[0];
    }
    cycle_check_init(&cc, cleanup);
    for (uint64_t c = cleanup, n = 0; c; n++) {
        if (n >= MAX_LARGE || (n && cycle_check_step(&cc, c)) || !mem_read_u64(m, c + 16, &c)) {
            snprintf(err, errlen, "pool 0x%llx: corrupt cleanup list", (unsigned long long)pool);
            return false;
        }
        s->cleanups++;
    }
    return true;
}
