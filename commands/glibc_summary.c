#include "glibc_summary.h"

uint64_t glibc_free_bytes(const struct glibc_stats *s, bool with_top)
{
    uint64_t b = s->cls[CH_TCACHE].bytes + s->cls[CH_FAST].bytes + s->cls[CH_UNSORTED].bytes +
                 s->cls[CH_SMALL].bytes + s->cls[CH_LARGE].bytes;
    return with_top ? b + s->cls[CH_TOP].bytes : b;
}

uint64_t glibc_free_chunk_count(const struct glibc_stats *s)
{
    return s->cls[CH_TCACHE].count + s->cls[CH_FAST].count + s->cls[CH_UNSORTED].count +
           s->cls[CH_SMALL].count + s->cls[CH_LARGE].count + s->cls[CH_TOP].count;
}

uint64_t glibc_arena_bytes(const struct glibc_heap *h, int arena)
{
    uint64_t sys = 0;
    for (int i = 0; i < h->narenas; i++)
        if (arena < 0 || arena == i)
            sys += h->arenas[i].system_mem;
    return sys;
}

void glibc_summary_facts(struct result *r, const char *key, const char *title,
                         const struct glibc_heap *h, const struct glibc_stats *t, int arena)
{
    uint64_t fb = glibc_free_bytes(t, true), sys = glibc_arena_bytes(h, arena);
    result_facts(r, key, title);
    result_fact(r, "free_bytes", "free", val_bytes(fb), "%.1f%% of the arena memory",
                sys ? 100.0 * (double)fb / (double)sys : 0.0);
    result_fact(r, "system_bytes", "arena memory", val_bytes(sys), "from the OS: system_mem");
    result_fact(r, "in_use_bytes", "in use", val_bytes(t->cls[CH_IN_USE].bytes), NULL);
    result_fact(r, "in_use_chunk_count", "chunks in use", val_count(t->cls[CH_IN_USE].count),
                NULL);
    result_fact(r, "largest_free_bytes", "largest free chunk", val_bytes(t->largest_free),
                "top excluded");
    result_fact(r, "largest_free_address", "at", val_address(t->largest_free_addr), NULL);
    result_fact(r, "trapped_bytes", "trapped below the top", val_bytes(glibc_free_bytes(t, false)),
                "free, but shrinking the heap cannot return it");
    result_fact(r, "pinned_bytes", "free below highest in use",
                val_bytes(t->free_below_highest_in_use), "pinned by live chunks above them");
    result_fact(r, "trimmable_bytes", "malloc_trim(0) returns", val_bytes(t->trimmable), NULL);
    result_fact(r, "trim_madvise_bytes", "  by madvise", val_bytes(t->trim_madvise),
                "of free pages");
    result_fact(r, "trim_top_bytes", "  by shrinking the top", val_bytes(t->trim_top),
                "of the main heap");
}
