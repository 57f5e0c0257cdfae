#include "glibc_session.h"

#include "ngxmem.h"

#include <stdlib.h>
#include <string.h>

void glibc_session_release(struct glibc_session *s)
{
    gdb_reader_done(&s->progress);
    if (s->stats_begun)
        glibc_stats_free(&s->stats);
    if (s->opened)
        glibc_heap_close(&s->heap);
    s->opened = s->stats_begun = false;
}

bool glibc_session_begin(struct glibc_session *s, const struct command_def *d, const char *args)
{
    memset(s, 0, sizeof *s);
    if (!command_options(d, args, &s->opts))
        return false;
    s->reader = gdb_reader(&s->progress, d->name);
    return true;
}

bool glibc_session_try_heap(struct glibc_session *s, unsigned flags, char *err, size_t errlen)
{
    s->opened = true;
    return glibc_heap_open(&s->heap, &s->reader, flags, err, errlen);
}

bool glibc_session_open(struct glibc_session *s, const struct command_def *d, const char *args,
                        unsigned flags)
{
    char err[512];
    if (!glibc_session_begin(s, d, args))
        return false;
    if (!glibc_session_try_heap(s, flags, err, sizeof err))
        ngxmem_error("%s: %s", d->name, err);
    return true;
}

int glibc_session_arena(struct glibc_session *s, const char *cmd)
{
    const char *v = opt_text(&s->opts, "--arena");
    if (!v || strcmp(v, "all") == 0)
        return -1;
    if (strcmp(v, "main") == 0)
        return 0;
    uint64_t n;
    if (!args_parse_uint(v, UINT64_MAX, &n))
        ngxmem_error("%s: bad --arena '%s' (all, main, an index or an address)", cmd, v);
    if (n < (uint64_t)s->heap.narenas)
        return (int)n;
    for (int i = 0; i < s->heap.narenas; i++)
        if (s->heap.arenas[i].addr == n)
            return i;
    ngxmem_error("%s: no arena '%s' (%d arenas; see glibc-arenas)", cmd, v, s->heap.narenas);
}

void glibc_session_walk_stats(struct glibc_session *s, const char *cmd, int arena)
{
    glibc_session_walk_stats_with(s, cmd, arena, NULL);
}

void glibc_session_walk_stats_with(struct glibc_session *s, const char *cmd, int arena,
                                   const struct chunk_fanout *also)
{
    char err[512];
    if (!glibc_stats_begin(&s->stats, &s->heap))
        ngxmem_error("%s: out of memory", cmd);
    s->stats_begun = true;
    struct chunk_fanout fan = { 0 };
    chunk_fanout_add(&fan, glibc_stats_chunk, &s->stats);
    for (int i = 0; also && i < also->n; i++)
        chunk_fanout_add(&fan, also->fn[i], also->arg[i]);
    /* the statistics alone (every glibc command) skip the fan-out's call */
    bool alone = fan.n == 1;
    s->heap.record_binned = true;
    if (!glibc_heap_walk(&s->heap, arena, alone ? glibc_stats_chunk : chunk_fanout_chunk,
                         alone ? (void *)&s->stats : (void *)&fan, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    glibc_stats_end(&s->stats);
    if (!glibc_heap_resolve_unsorted(&s->heap, glibc_stats_reclass, &s->stats, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    gdb_reader_done(&s->progress);
    if (getenv("NGXMEM_DEBUG_IO"))
        ngxmem_eprintf("%s: read %llu bytes in %llu calls (walk), %llu bytes in %llu calls "
                       "(lists); %llu windows read ahead; %d of %d segments found by their "
                       "ends\n", cmd,
                       (unsigned long long)s->heap.cache.backing_bytes,
                       (unsigned long long)s->heap.cache.backing_reads,
                       (unsigned long long)s->heap.list_cache.backing_bytes,
                       (unsigned long long)s->heap.list_cache.backing_reads,
                       (unsigned long long)s->heap.cache.ahead_used,
                       glibc_heap_guessed_segments(&s->heap), s->heap.nsegments);
}

void glibc_session_describe(struct glibc_session *s, struct result *r)
{
    const struct glibc_state *st = &s->heap.st;
    result_facts(r, "glibc", "glibc heap:")->verbose = true;
    result_fact(r, "version", "glibc", val_text(r, "%s", st->version), NULL);
    result_fact(r, "main_arena", "main_arena", val_address(st->main_arena), "%s", st->found_by);
    result_fact(r, "tcache_key", "tcache key",
                st->have_tcache_key ? val_address(st->tcache_key) : val_none(), NULL);
    if (st->notes[0])
        result_note(r, "%s", st->notes);
    if (s->heap.warnings[0])
        result_warning(r, "%s", s->heap.warnings);
}
