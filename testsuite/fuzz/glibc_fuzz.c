/* libFuzzer target: the whole glibc analysis (find the allocator state,
 * collect lists, walk, aggregate, resolve unsorted, trim model, the
 * reload placement of the main arena) on a
 * hostile memory image. It may fail with a message; it must not crash,
 * hang or read outside the image. Seeds: real heaps (glibc-unit). */
#include "glibc_heap.h"
#include "glibc_placement.h"
#include "glibc_stats.h"

void fuzz_analyse(const struct mem_reader *r);

void fuzz_analyse(const struct mem_reader *r)
{
    struct glibc_heap h;
    struct glibc_stats_walk w = { 0 };
    struct glibc_placement p;
    struct placement_prediction out;
    struct chunk_fanout fan = { 0 };
    char err[512];
    struct placement_prediction start, reload;
    glibc_placement_begin(&p, 0, GLIBC_DEFAULT_MMAP_THRESHOLD, 4096);
    chunk_fanout_add(&fan, glibc_stats_chunk, &w);
    chunk_fanout_add(&fan, glibc_placement_chunk, &p);
    if (glibc_heap_open(&h, r, GLIBC_EXACT_UNSORTED, err, sizeof err) &&
        glibc_stats_begin(&w, &h) && glibc_heap_walk(&h, -1, chunk_fanout_chunk, &fan, err, sizeof err)) {
        glibc_stats_end(&w);
        glibc_heap_resolve_unsorted(&h, glibc_stats_reclass, &w, err, sizeof err);
        glibc_placement_predict(&p, h.st.top_pad, 4096, &out);
        glibc_placement_fresh(&p, 16384, h.st.top_pad, 4096, &start, &reload);
    }
    glibc_placement_release(&p);
    glibc_stats_free(&w);
    glibc_heap_close(&h);
}
