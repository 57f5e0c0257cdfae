#include "glibc_summary.h"

#include "format.h"

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

const enum chunk_class glibc_free_classes[GLIBC_FREE_CLASSES] = { CH_TCACHE, CH_FAST, CH_UNSORTED,
                                                                CH_SMALL, CH_LARGE, CH_TOP };

/* All free classes of size bucket B. */
static struct count_bytes free_bucket(const struct glibc_stats *t, int b)
{
    struct count_bytes sum = { 0, 0 };
    for (int k = 0; k < GLIBC_FREE_CLASSES; k++) {
        sum.count += t->bucket[glibc_free_classes[k]][b].count;
        sum.bytes += t->bucket[glibc_free_classes[k]][b].bytes;
    }
    return sum;
}

static const struct column bucket_columns[] = {
    { "size", "size", VAL_TEXT, 0, TEXT_ONLY },
    { "from_bytes", "from", VAL_BYTES, 0, JSON_ONLY },
    { "to_bytes", "to", VAL_BYTES, 0, JSON_ONLY },
    { "chunk_count", "chunks", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "free_percent", "% free", VAL_PERCENT, 0, IN_BOTH },
    { "tcache_count", "tcache", VAL_COUNT, 2, IN_BOTH },
    { "fastbin_count", "fastbin", VAL_COUNT, 3, IN_BOTH },
    { "unsorted_count", "unsorted", VAL_COUNT, 4, IN_BOTH },
    { "small_count", "small", VAL_COUNT, 5, IN_BOTH },
    { "large_count", "large", VAL_COUNT, 6, IN_BOTH },
    { "top_count", "top", VAL_COUNT, 1, IN_BOTH },
};

struct value glibc_bucket_label(struct result *r, int b)
{
    char lo[32], hi[32];
    return val_text(r, "[%s, %s)", format_bytes(1ull << b, lo, sizeof lo),
                    format_bytes(2ull << b, hi, sizeof hi));
}

void glibc_free_by_size_table(struct result *r, const struct glibc_stats *t)
{
    uint64_t fb = glibc_free_bytes(t, true);
    result_table(r, "free_by_size", "Free chunks by size:", bucket_columns,
                 ARRAY_LEN(bucket_columns));
    result_chart(r, CHART_BARS, 0, 4, 0);
    for (int bk = 0; bk < SIZE_BUCKETS; bk++) {
        struct count_bytes sum = free_bucket(t, bk);
        if (!sum.count)
            continue;
        struct value row[ARRAY_LEN(bucket_columns)] = {
            glibc_bucket_label(r, bk), val_bytes(1ull << bk), val_bytes(2ull << bk), val_count(sum.count),
            val_bytes(sum.bytes), val_percent(sum.bytes, fb),
        };
        for (int k = 0; k < GLIBC_FREE_CLASSES; k++)
            row[6 + k] = val_count(t->bucket[glibc_free_classes[k]][bk].count);
        result_row(r, row);
    }
}
