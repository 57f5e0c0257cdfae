/* glibc-arenas, glibc-free-chunks, glibc-chunks: the GDB commands over
 * the glibc heap analysis. */
#include "commands.h"

#include "command_output.h"
#include "format.h"
#include "glibc_session.h"
#include "glibc_summary.h"
#include "ngxmem.h"

static const struct command_def arenas_def, free_chunks_def, chunks_def;

/* ---- glibc-arenas ---------------------------------------------------- */

static const struct column arena_columns[] = {
    { "index", "#", VAL_INT, 0, IN_BOTH },
    { "address", "arena", VAL_ADDRESS, 2, IN_BOTH },
    { "kind", "kind", VAL_ID, 0, IN_BOTH },
    { "system_bytes", "system", VAL_BYTES, 0, IN_BOTH },
    { "segment_count", "segs", VAL_COUNT, 4, IN_BOTH },
    { "top_bytes", "top", VAL_BYTES, 3, IN_BOTH },
    { "contiguous", "contig", VAL_BOOL, 5, IN_BOTH },
    { "in_use_bytes", "in use", VAL_BYTES, 0, IN_BOTH },
    { "free_bytes", "free", VAL_BYTES, 0, IN_BOTH },
    { "free_percent", "free %", VAL_PERCENT, 0, IN_BOTH },
    { "attached_thread_count", "threads", VAL_COUNT, 1, IN_BOTH },
};

static const struct column segment_columns[] = {
    { "index", "#", VAL_INT, 0, IN_BOTH },
    { "arena", "arena", VAL_INT, 0, IN_BOTH },
    { "kind", "kind", VAL_ID, 0, IN_BOTH },
    { "start", "start", VAL_ADDRESS, 0, IN_BOTH },
    { "end", "end", VAL_ADDRESS, 1, IN_BOTH },
    { "bytes", "size", VAL_BYTES, 0, IN_BOTH },
};

static void arenas_result(struct glibc_session *s, struct result *r)
{
    const struct glibc_heap *h = &s->heap;
    glibc_session_describe(s, r);
    result_table(r, "arenas", NULL, arena_columns, ARRAY_LEN(arena_columns));
    uint64_t sys = 0, top = 0, used = 0, freeb = 0, threads = 0;
    for (int i = 0; i < h->narenas; i++) {
        const struct glibc_arena *a = &h->arenas[i];
        const struct glibc_stats *st = &s->stats.per_arena[i];
        uint64_t f = glibc_free_bytes(st, true);
        struct value row[] = {
            val_int(i), val_address(a->addr), val_id(a->is_main ? "main" : "thread"),
            val_bytes(a->system_mem), val_count((uint64_t)a->nsegments), val_bytes(a->top_size),
            val_bool(!a->noncontiguous), val_bytes(st->cls[CH_IN_USE].bytes), val_bytes(f),
            val_percent(f, a->system_mem), val_count(a->attached_threads),
        };
        result_row(r, row);
        sys += a->system_mem;
        top += a->top_size;
        used += st->cls[CH_IN_USE].bytes;
        freeb += f;
        threads += a->attached_threads;
    }
    struct value total[] = {
        val_none(), val_none(), val_id("total"), val_bytes(sys), val_count((uint64_t)h->nsegments),
        val_bytes(top), val_none(), val_bytes(used), val_bytes(freeb), val_percent(freeb, sys),
        val_count(threads),
    };
    result_total(r, total);
    result_facts(r, "mmapped", NULL);
    result_fact(r, "chunk_count", "mmapped chunks",
                h->st.mp ? val_count((uint64_t)h->st.n_mmaps) : val_none(),
                h->st.mp ? NULL : "mp_ not found");
    result_fact(r, "bytes", "mmapped bytes", h->st.mp ? val_bytes(h->st.mmapped_mem) : val_none(),
                NULL);
    result_table(r, "segments", "Heap segments:", segment_columns,
                 ARRAY_LEN(segment_columns));
    for (int i = 0; i < h->nsegments; i++) {
        const struct glibc_segment *g = &h->segments[i];
        struct value row[] = {
            val_int(i), val_int(g->arena), val_id(glibc_segment_kind_id(g->kind)), val_address(g->start),
            val_address(g->end), val_bytes(g->end - g->start),
        };
        result_row(r, row);
    }
}

static void glibc_arenas_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    RESULT(r);
    if (!glibc_session_open(&s, &arenas_def, args, 0))
        return;
    struct output_options o = output_options(&s.opts);
    glibc_session_walk_stats(&s, "glibc-arenas", -1);
    result_init(&r, "glibc-arenas");
    arenas_result(&s, &r);
    command_emit(&r, &o);
}

/* ---- glibc-free-chunks ----------------------------------------------- */

static const struct column class_columns[] = {
    { "class", "class", VAL_ID, 0, IN_BOTH },
    { "chunk_count", "chunks", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "free_percent", "% free", VAL_PERCENT, 0, IN_BOTH },
};

static void free_chunks_result(struct glibc_session *s, const struct glibc_stats *t, int arena,
                               struct result *r)
{
    const struct glibc_heap *h = &s->heap;
    uint64_t fb = glibc_free_bytes(t, true);
    glibc_session_describe(s, r);
    result_facts(r, NULL, NULL);
    result_fact(r, "arena", "arena", arena < 0 ? val_id("all") : val_address(h->arenas[arena].addr),
                NULL);
    glibc_free_by_size_table(r, t);
    result_table(r, "free_by_class", "Free chunks by class:", class_columns,
                 ARRAY_LEN(class_columns));
    for (int k = 0; k < GLIBC_FREE_CLASSES; k++) {
        const struct count_bytes *cb = &t->cls[glibc_free_classes[k]];
        struct value row[] = { val_id(chunk_class_names[glibc_free_classes[k]]), val_count(cb->count),
                               val_bytes(cb->bytes), val_percent(cb->bytes, fb) };
        result_row(r, row);
    }
    struct value total[] = { val_id("total"), val_count(glibc_free_chunk_count(t)), val_bytes(fb),
                             val_percent(fb, fb) };
    result_total(r, total);
    glibc_summary_facts(r, NULL, NULL, h, t, arena);
}

static void glibc_free_chunks_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    RESULT(r);
    if (!glibc_session_open(&s, &free_chunks_def, args, 0))
        return;
    struct output_options o = output_options(&s.opts);
    int arena = glibc_session_arena(&s, "glibc-free-chunks");
    glibc_session_walk_stats(&s, "glibc-free-chunks", arena);
    const struct glibc_stats *t = arena < 0 ? &s.stats.total : &s.stats.per_arena[arena];
    result_init(&r, "glibc-free-chunks");
    free_chunks_result(&s, t, arena, &r);
    command_emit(&r, &o);
}

/* ---- glibc-chunks ---------------------------------------------------- */

static const struct column chunk_columns[] = {
    { "address", "chunk", VAL_ADDRESS, 0, IN_BOTH },
    { "size_bytes", "size", VAL_COUNT, 2, JSON_ONLY },
    { "size", "size", VAL_BYTES, 0, TEXT_ONLY },
    { "class", "class", VAL_ID, 0, IN_BOTH },
    { "arena", "arena", VAL_INT, 1, IN_BOTH },
};

struct chunk_listing {
    struct result *r;
    bool want_free, want_used;
    uint64_t min_size, limit, shown, matched;   /* limit 0: all */
};

static void list_chunk(void *arg, const struct glibc_chunk *c)
{
    struct chunk_listing *l = arg;
    bool is_free = c->cls != CH_IN_USE && c->cls != CH_FENCEPOST;
    if ((is_free && !l->want_free) || (!is_free && !l->want_used) || c->size < l->min_size)
        return;
    l->matched++;
    if (l->limit && l->shown >= l->limit)
        return;
    struct value row[] = { val_address(c->addr), val_count(c->size), val_bytes(c->size),
                           val_id(chunk_class_names[c->cls]), val_int(c->arena) };
    result_row(l->r, row);
    l->shown++;
}

static void glibc_chunks_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    RESULT(r);
    if (!glibc_session_open(&s, &chunks_def, args, GLIBC_EXACT_UNSORTED))
        return;
    result_init(&r, "glibc-chunks");
    struct output_options o = output_options(&s.opts);
    bool only_free = opt_given(&s.opts, "--free"), only_used = opt_given(&s.opts, "--used");
    /* text shows the first 100 unless asked; JSON lists all unless asked */
    struct chunk_listing l = { .r = &r, .want_free = !only_used, .want_used = !only_free,
                               .min_size = opt_number(&s.opts, "--min-size", 0),
                               .limit = opt_number(&s.opts, "--limit", o.json ? 0 : 100) };
    int arena = glibc_session_arena(&s, "glibc-chunks");
    char err[512];
    glibc_session_describe(&s, &r);
    result_table(&r, "chunks", NULL, chunk_columns, ARRAY_LEN(chunk_columns));
    if (!glibc_heap_walk(&s.heap, arena, list_chunk, &l, err, sizeof err))
        ngxmem_error("glibc-chunks: %s", err);
    gdb_reader_done(&s.progress);
    result_facts(&r, NULL, NULL);
    result_fact(&r, "matched_count", "chunks matched", val_count(l.matched), NULL);
    result_fact(&r, "shown_count", "shown", val_count(l.shown),
                l.matched > l.shown ? "raise --limit for more, 0 for all" : NULL);
    result_fact(&r, "truncated", "truncated", val_bool(l.matched > l.shown), NULL);
    command_emit(&r, &o);
}

static const struct command_def arenas_def = {
    "glibc-arenas", "Show glibc malloc arenas of the inferior.", NULL, 0, 0, NULL, 0,
    COMMON_OUTPUT,
    "Per arena: address, system_mem (memory obtained from the OS), heap segments,\n"
    "top chunk size, contiguity, bytes in use and free (walked), attached threads;\n"
    "then mmapped chunks (mp_) and every heap segment. Many arenas each holding\n"
    "much free memory point at MALLOC_ARENA_MAX tuning.\n",
    "Example: glibc-arenas",
};

static const struct option_def free_chunks_options[] = { ARENA_OPTION };

static const struct command_def free_chunks_def = {
    "glibc-free-chunks",
    "Show where glibc's free memory is: free-chunk size distribution and what could return.",
    NULL, 0, 0, free_chunks_options, ARRAY_LEN(free_chunks_options), COMMON_OUTPUT,
    "Free chunks by power-of-two size, split by class (tcache, fastbin, unsorted,\n"
    "small, large, top), with totals, the largest free chunk, bytes trapped below\n"
    "the top (free but not returnable by shrinking the heap) and what\n"
    "malloc_trim(0) would return, computed as glibc 2.36 does it. Large trapped\n"
    "bytes with small trimmable bytes mean fragmentation: live chunks pin the pages.\n",
    "Example: glibc-free-chunks --arena main",
};

static const struct option_def chunks_options[] = {
    { "--free", OPT_FLAG, NULL, 0, 1 },
    { "--used", OPT_FLAG, NULL, 0, 1 },
    { "--min-size", OPT_SIZE, "N", 0, 0 },
    { "--limit", OPT_NUMBER, "N", 0, 0 },
    ARENA_OPTION,
};

static const struct command_def chunks_def = {
    "glibc-chunks", "List glibc heap chunks, in address order.", NULL, 0, 0, chunks_options,
    ARRAY_LEN(chunks_options), COMMON_OUTPUT,
    "Each chunk: address, size, class (in use, tcache, fastbin, unsorted, small,\n"
    "large, top, fencepost) and arena. Text shows the first 100 unless --limit\n"
    "says (0: all); --json lists all unless --limit says. Numbers are decimal or\n"
    "0x hex; sizes take K/M/G.\n",
    "Example: glibc-chunks --free --min-size 64K --limit 20",
};

void glibc_commands_register(void)
{
    command_register(&arenas_def, glibc_arenas_command);
    command_register(&free_chunks_def, glibc_free_chunks_command);
    command_register(&chunks_def, glibc_chunks_command);
}
