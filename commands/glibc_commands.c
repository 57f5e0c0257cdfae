/* glibc-arenas, glibc-free-chunks, glibc-chunks: the GDB commands over
 * the glibc heap analysis. */
#include "commands.h"

#include "format.h"
#include "glibc_session.h"
#include "ngxmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static uint64_t free_bytes_of(const struct glibc_stats *s, bool with_top)
{
    uint64_t b = s->cls[CH_TCACHE].bytes + s->cls[CH_FAST].bytes + s->cls[CH_UNSORTED].bytes +
                 s->cls[CH_SMALL].bytes + s->cls[CH_LARGE].bytes;
    return with_top ? b + s->cls[CH_TOP].bytes : b;
}

static uint64_t free_chunks_of(const struct glibc_stats *s)
{
    return s->cls[CH_TCACHE].count + s->cls[CH_FAST].count + s->cls[CH_UNSORTED].count +
           s->cls[CH_SMALL].count + s->cls[CH_LARGE].count + s->cls[CH_TOP].count;
}

static const char *segment_kind_name(enum segment_kind k)
{
    return k == SEG_BRK ? "brk heap" : k == SEG_MMAP ? "mmap segment" : "thread heap";
}

/* ---- glibc-arenas ---------------------------------------------------- */

static void arenas_json(struct glibc_session *s)
{
    const struct glibc_heap *h = &s->heap;
    ngxmem_printf("{\"glibc\":\"%s\",\"main_arena\":%llu,\"found_by\":\"%s\",\"arenas\":[",
                  h->st.version, (unsigned long long)h->st.main_arena, h->st.found_by);
    for (int i = 0; i < h->narenas; i++) {
        const struct glibc_arena *a = &h->arenas[i];
        const struct glibc_stats *st = &s->stats.per_arena[i];
        ngxmem_printf("%s{\"addr\":%llu,\"main\":%s,\"system_mem\":%llu,\"segments\":%d,"
                      "\"top_size\":%llu,\"contiguous\":%s,\"in_use_bytes\":%llu,"
                      "\"free_bytes\":%llu,\"attached_threads\":%llu}",
                      i ? "," : "", (unsigned long long)a->addr, a->is_main ? "true" : "false",
                      (unsigned long long)a->system_mem, a->nsegments,
                      (unsigned long long)a->top_size, a->noncontiguous ? "false" : "true",
                      (unsigned long long)st->cls[CH_IN_USE].bytes,
                      (unsigned long long)free_bytes_of(st, true),
                      (unsigned long long)a->attached_threads);
    }
    ngxmem_printf("],\"mmapped\":{\"known\":%s,\"count\":%d,\"bytes\":%llu}}\n",
                  h->st.mp ? "true" : "false", h->st.n_mmaps,
                  (unsigned long long)h->st.mmapped_mem);
}

static void glibc_arenas_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    glibc_session_open(&s, "glibc-arenas", args, 0);
    bool json = args_flag(&s.args, "--json");
    args_require_done(&s.args, "glibc-arenas");
    glibc_session_walk_stats(&s, "glibc-arenas", -1);
    if (json) {
        arenas_json(&s);
        return;
    }
    const struct glibc_heap *h = &s.heap;
    char b[6][32];
    glibc_session_print_header(&s);
    ngxmem_printf("%-4s %-18s %-6s %12s %5s %12s %-10s %12s %12s %7s %7s\n", "#", "arena",
                  "kind", "system_mem", "segs", "top", "contiguous", "in use", "free",
                  "free %", "threads");
    uint64_t sys = 0, top = 0, used = 0, freeb = 0;
    for (int i = 0; i < h->narenas; i++) {
        const struct glibc_arena *a = &h->arenas[i];
        const struct glibc_stats *st = &s.stats.per_arena[i];
        uint64_t f = free_bytes_of(st, true);
        ngxmem_printf("%-4d 0x%-16llx %-6s %12s %5d %12s %-10s %12s %12s %6.1f%% %7llu\n", i,
                      (unsigned long long)a->addr, a->is_main ? "main" : "thread",
                      format_bytes(a->system_mem, b[0], 32), a->nsegments,
                      format_bytes(a->top_size, b[1], 32), a->noncontiguous ? "no" : "yes",
                      format_bytes(st->cls[CH_IN_USE].bytes, b[2], 32),
                      format_bytes(f, b[3], 32), pct(f, a->system_mem),
                      (unsigned long long)a->attached_threads);
        sys += a->system_mem;
        top += a->top_size;
        used += st->cls[CH_IN_USE].bytes;
        freeb += f;
    }
    ngxmem_printf("%-4s %-18s %-6s %12s %5d %12s %-10s %12s %12s %6.1f%%\n", "", "total", "",
                  format_bytes(sys, b[0], 32), h->nsegments, format_bytes(top, b[1], 32), "",
                  format_bytes(used, b[2], 32), format_bytes(freeb, b[3], 32), pct(freeb, sys));
    if (h->st.mp)
        ngxmem_printf("mmapped chunks: %d, %s (mp_.n_mmaps, mp_.mmapped_mem)\n", h->st.n_mmaps,
                      format_bytes(h->st.mmapped_mem, b[4], 32));
    else
        ngxmem_printf("mmapped chunks: unknown (mp_ not found)\n");
    for (int i = 0; i < h->nsegments; i++) {
        const struct glibc_segment *g = &h->segments[i];
        ngxmem_printf("  segment %-3d arena %-3d %-12s 0x%llx-0x%llx %s\n", i, g->arena,
                      segment_kind_name(g->kind), (unsigned long long)g->start,
                      (unsigned long long)g->end, format_bytes(g->end - g->start, b[5], 32));
    }
    glibc_session_print_warnings(&s);
}

/* ---- glibc-free-chunks ----------------------------------------------- */

static const enum chunk_class free_classes[] = { CH_TCACHE, CH_FAST, CH_UNSORTED, CH_SMALL,
                                                 CH_LARGE, CH_TOP };
enum { NFREE = sizeof free_classes / sizeof free_classes[0] };

/* All free classes of size bucket B. */
static struct count_bytes free_bucket(const struct glibc_stats *t, int b)
{
    struct count_bytes sum = { 0, 0 };
    for (int k = 0; k < NFREE; k++) {
        sum.count += t->bucket[free_classes[k]][b].count;
        sum.bytes += t->bucket[free_classes[k]][b].bytes;
    }
    return sum;
}

/* system_mem of ARENA, or of all arenas (-1). */
static uint64_t arena_bytes(const struct glibc_heap *h, int arena)
{
    uint64_t sys = 0;
    for (int i = 0; i < h->narenas; i++)
        if (arena < 0 || arena == i)
            sys += h->arenas[i].system_mem;
    return sys;
}

static void free_chunks_json(struct glibc_session *s, const struct glibc_stats *t, int arena)
{
    const struct glibc_heap *h = &s->heap;
    uint64_t fb = free_bytes_of(t, true);
    ngxmem_printf("{\"glibc\":\"%s\",\"arena\":", h->st.version);
    if (arena < 0)
        ngxmem_printf("\"all\"");
    else
        ngxmem_printf("%llu", (unsigned long long)h->arenas[arena].addr);
    ngxmem_printf(",\"buckets\":[");
    bool first = true;
    for (int b = 0; b < SIZE_BUCKETS; b++) {
        struct count_bytes sum = free_bucket(t, b);
        if (!sum.count)
            continue;
        ngxmem_printf("%s{\"min_size\":%llu,\"max_size\":%llu,\"count\":%llu,\"bytes\":%llu,"
                      "\"by_class\":{", first ? "" : ",", 1ull << b, (2ull << b) - 1,
                      (unsigned long long)sum.count, (unsigned long long)sum.bytes);
        for (int k = 0; k < NFREE; k++)
            ngxmem_printf("%s\"%s\":%llu", k ? "," : "", chunk_class_names[free_classes[k]],
                          (unsigned long long)t->bucket[free_classes[k]][b].count);
        ngxmem_printf("}}");
        first = false;
    }
    uint64_t sys = arena_bytes(h, arena);
    ngxmem_printf("],\"totals\":{\"free_bytes\":%llu,\"free_chunks\":%llu,"
                  "\"tcache_bytes\":%llu,\"tcache_chunks\":%llu,\"fastbin_bytes\":%llu,"
                  "\"fastbin_chunks\":%llu,\"unsorted_bytes\":%llu,\"small_bytes\":%llu,"
                  "\"large_bytes\":%llu,\"top_bytes\":%llu,\"top_chunks\":%llu,"
                  "\"trapped_bytes\":%llu,\"trimmable_bytes\":%llu,\"largest_free\":%llu,"
                  "\"in_use_bytes\":%llu,\"in_use_chunks\":%llu,\"arena_bytes\":%llu,"
                  "\"free_below_highest_in_use\":%llu}}\n",
                  (unsigned long long)fb, (unsigned long long)free_chunks_of(t),
                  (unsigned long long)t->cls[CH_TCACHE].bytes,
                  (unsigned long long)t->cls[CH_TCACHE].count,
                  (unsigned long long)t->cls[CH_FAST].bytes,
                  (unsigned long long)t->cls[CH_FAST].count,
                  (unsigned long long)t->cls[CH_UNSORTED].bytes,
                  (unsigned long long)t->cls[CH_SMALL].bytes,
                  (unsigned long long)t->cls[CH_LARGE].bytes,
                  (unsigned long long)t->cls[CH_TOP].bytes,
                  (unsigned long long)t->cls[CH_TOP].count,
                  (unsigned long long)free_bytes_of(t, false), (unsigned long long)t->trimmable,
                  (unsigned long long)t->largest_free,
                  (unsigned long long)t->cls[CH_IN_USE].bytes,
                  (unsigned long long)t->cls[CH_IN_USE].count, (unsigned long long)sys,
                  (unsigned long long)t->free_below_highest_in_use);
}

static void size_range(int b, char *out, size_t n)
{
    char lo[32], hi[32];
    snprintf(out, n, "[%s, %s)", format_bytes(1ull << b, lo, sizeof lo),
             format_bytes(2ull << b, hi, sizeof hi));
}

static void glibc_free_chunks_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    glibc_session_open(&s, "glibc-free-chunks", args, 0);
    bool json = args_flag(&s.args, "--json");
    int arena = glibc_session_arena(&s, "glibc-free-chunks");
    args_require_done(&s.args, "glibc-free-chunks");
    glibc_session_walk_stats(&s, "glibc-free-chunks", arena);
    const struct glibc_stats *t = arena < 0 ? &s.stats.total : &s.stats.per_arena[arena];
    if (json) {
        free_chunks_json(&s, t, arena);
        return;
    }
    char b[8][32], range[48];
    uint64_t fb = free_bytes_of(t, true), sys = arena_bytes(&s.heap, arena);
    glibc_session_print_header(&s);
    ngxmem_printf("Free chunks in %s:\n\n", arena < 0 ? "all arenas" : "one arena");
    ngxmem_printf("%-22s %10s %12s %7s %8s %8s %8s %8s %8s %4s\n", "size", "chunks", "bytes",
                  "% free", "tcache", "fastbin", "unsorted", "small", "large", "top");
    for (int bk = 0; bk < SIZE_BUCKETS; bk++) {
        struct count_bytes sum = free_bucket(t, bk);
        if (!sum.count)
            continue;
        size_range(bk, range, sizeof range);
        ngxmem_printf("%-22s %10llu %12s %6.1f%%", range, (unsigned long long)sum.count,
                      format_bytes(sum.bytes, b[0], 32), pct(sum.bytes, fb));
        for (int k = 0; k < NFREE; k++)
            ngxmem_printf(" %*llu", k == NFREE - 1 ? 4 : 8,
                          (unsigned long long)t->bucket[free_classes[k]][bk].count);
        ngxmem_printf("\n");
    }
    ngxmem_printf("\n%-22s %10s %12s %7s\n", "class", "chunks", "bytes", "% free");
    for (int k = 0; k < NFREE; k++) {
        const struct count_bytes *cb = &t->cls[free_classes[k]];
        ngxmem_printf("%-22s %10llu %12s %6.1f%%\n", chunk_class_names[free_classes[k]],
                      (unsigned long long)cb->count, format_bytes(cb->bytes, b[0], 32),
                      pct(cb->bytes, fb));
    }
    ngxmem_printf("%-22s %10llu %12s %6.1f%%\n\n", "total", (unsigned long long)free_chunks_of(t),
                  format_bytes(fb, b[0], 32), 100.0);
    ngxmem_printf("free bytes:                  %s = %.1f%% of %s arena memory\n",
                  format_bytes(fb, b[1], 32), pct(fb, sys), format_bytes(sys, b[2], 32));
    ngxmem_printf("in use:                      %s in %llu chunks\n",
                  format_bytes(t->cls[CH_IN_USE].bytes, b[3], 32),
                  (unsigned long long)t->cls[CH_IN_USE].count);
    ngxmem_printf("largest free chunk:          %s at 0x%llx (top excluded)\n",
                  format_bytes(t->largest_free, b[4], 32),
                  (unsigned long long)t->largest_free_addr);
    ngxmem_printf("trapped below the top:       %s (free, but shrinking the heap cannot "
                  "return it)\n", format_bytes(free_bytes_of(t, false), b[5], 32));
    ngxmem_printf("free below highest in-use:   %s (pinned by live chunks above them)\n",
                  format_bytes(t->free_below_highest_in_use, b[6], 32));
    ngxmem_printf("malloc_trim(0) would return: %s (%s by madvise of free pages, %s by "
                  "shrinking the main heap top)\n", format_bytes(t->trimmable, b[7], 32),
                  format_bytes(t->trim_madvise, b[0], 32), format_bytes(t->trim_top, b[1], 32));
    glibc_session_print_warnings(&s);
}

/* ---- glibc-chunks ---------------------------------------------------- */

struct chunk_listing {
    bool want_free, want_used, json;
    uint64_t min_size, limit, shown, matched;
};

static void list_chunk(void *arg, const struct glibc_chunk *c)
{
    struct chunk_listing *l = arg;
    bool is_free = c->cls != CH_IN_USE && c->cls != CH_FENCEPOST;
    if ((is_free && !l->want_free) || (!is_free && !l->want_used) || c->size < l->min_size)
        return;
    l->matched++;
    if (l->shown >= l->limit)
        return;
    char b[32];
    if (l->json)
        ngxmem_printf("%s{\"addr\":%llu,\"size\":%llu,\"class\":\"%s\",\"arena\":%d}",
                      l->shown ? "," : "", (unsigned long long)c->addr,
                      (unsigned long long)c->size, chunk_class_names[c->cls], c->arena);
    else
        ngxmem_printf("0x%016llx %12llu %10s  %-9s arena %d\n", (unsigned long long)c->addr,
                      (unsigned long long)c->size, format_bytes(c->size, b, sizeof b),
                      chunk_class_names[c->cls], c->arena);
    l->shown++;
}

static void glibc_chunks_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    glibc_session_open(&s, "glibc-chunks", args, GLIBC_EXACT_UNSORTED);
    struct chunk_listing l = { .want_free = true, .want_used = true, .limit = 100 };
    l.json = args_flag(&s.args, "--json");
    bool only_free = args_flag(&s.args, "--free"), only_used = args_flag(&s.args, "--used");
    if (only_free || only_used) {
        l.want_free = only_free;
        l.want_used = only_used;
    }
    bool missing;
    const char *v = args_value(&s.args, "--min-size", &missing);
    if (missing || (v && !args_parse_size(v, &l.min_size)))
        ngxmem_error("glibc-chunks: --min-size needs a size (e.g. 4096, 64K, 1M)");
    v = args_value(&s.args, "--limit", &missing);
    if (missing || (v && !args_parse_size(v, &l.limit)))
        ngxmem_error("glibc-chunks: --limit needs a count");
    int arena = glibc_session_arena(&s, "glibc-chunks");
    args_require_done(&s.args, "glibc-chunks");
    char err[512];
    if (l.json)
        ngxmem_printf("{\"chunks\":[");
    else
        ngxmem_printf("%-18s %12s %10s  %-9s %s\n", "chunk", "size", "", "class", "arena");
    if (!glibc_heap_walk(&s.heap, arena, list_chunk, &l, err, sizeof err))
        ngxmem_error("glibc-chunks: %s", err);
    gdb_reader_done(&s.progress);
    if (l.json) {
        ngxmem_printf("],\"matched\":%llu,\"shown\":%llu}\n", (unsigned long long)l.matched,
                      (unsigned long long)l.shown);
        return;
    }
    ngxmem_printf("%llu chunk%s matched, %llu shown%s\n", (unsigned long long)l.matched,
                  l.matched == 1 ? "" : "s", (unsigned long long)l.shown,
                  l.matched > l.shown ? " (raise --limit for more)" : "");
}

static const char arenas_help[] =
    "Show glibc malloc arenas of the inferior.\n"
    "Usage: glibc-arenas [--json]\n"
    "Per arena: address, system_mem (memory obtained from the OS), heap segments,\n"
    "top chunk size, contiguity, bytes in use and free (walked), attached threads;\n"
    "then mmapped chunks (mp_) and every heap segment. Many arenas each holding\n"
    "much free memory point at MALLOC_ARENA_MAX tuning.\n"
    "Example: glibc-arenas";

static const char free_chunks_help[] =
    "Show where glibc's free memory is: free-chunk size distribution and what could return.\n"
    "Usage: glibc-free-chunks [--arena all|main|N|ADDR] [--json]\n"
    "Free chunks by power-of-two size, split by class (tcache, fastbin, unsorted,\n"
    "small, large, top), with totals, the largest free chunk, bytes trapped below\n"
    "the top (free but not returnable by shrinking the heap) and what\n"
    "malloc_trim(0) would return, computed as glibc 2.36 does it. Large trapped\n"
    "bytes with small trimmable bytes mean fragmentation: live chunks pin the pages.\n"
    "--json prints {\"totals\": {free_bytes, free_chunks, tcache_bytes, ...}, ...}.\n"
    "Example: glibc-free-chunks --arena main";

static const char chunks_help[] =
    "List glibc heap chunks, in address order.\n"
    "Usage: glibc-chunks [--free|--used] [--min-size N] [--limit N] [--arena A] [--json]\n"
    "Each chunk: address, size, class (in use, tcache, fastbin, unsorted, small,\n"
    "large, top, fencepost) and arena. Default limit 100; sizes take K/M/G.\n"
    "Example: glibc-chunks --free --min-size 64K --limit 20";

void glibc_commands_register(void)
{
    ngxmem_register_command("glibc-arenas", glibc_arenas_command, arenas_help);
    ngxmem_register_command("glibc-free-chunks", glibc_free_chunks_command, free_chunks_help);
    ngxmem_register_command("glibc-chunks", glibc_chunks_command, chunks_help);
}
