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

void glibc_session_begin(struct glibc_session *s, const char *cmd, const char *args)
{
    memset(s, 0, sizeof *s);
    args_split_or_error(&s->args, args, cmd);
    s->reader = gdb_reader(&s->progress, cmd);
}

bool glibc_session_try_heap(struct glibc_session *s, unsigned flags, char *err, size_t errlen)
{
    s->opened = true;
    return glibc_heap_open(&s->heap, &s->reader, flags, err, errlen);
}

void glibc_session_open(struct glibc_session *s, const char *cmd, const char *args,
                        unsigned flags)
{
    char err[512];
    glibc_session_begin(s, cmd, args);
    if (!glibc_session_try_heap(s, flags, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
}

int glibc_session_arena(struct glibc_session *s, const char *cmd)
{
    bool missing;
    const char *v = args_value(&s->args, "--arena", &missing);
    if (missing)
        ngxmem_error("%s: --arena needs a value (all, main, an index or an address)", cmd);
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
    char err[512];
    if (!glibc_stats_begin(&s->stats, &s->heap))
        ngxmem_error("%s: out of memory", cmd);
    s->stats_begun = true;
    if (!glibc_heap_walk(&s->heap, arena, glibc_stats_chunk, &s->stats, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    glibc_stats_end(&s->stats);
    if (!glibc_heap_resolve_unsorted(&s->heap, glibc_stats_reclass, &s->stats, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    gdb_reader_done(&s->progress);
    if (getenv("NGXMEM_DEBUG_IO"))
        ngxmem_eprintf("%s: read %llu bytes in %llu calls (walk), %llu bytes in %llu calls "
                       "(lists)\n", cmd, (unsigned long long)s->heap.cache.backing_bytes,
                       (unsigned long long)s->heap.cache.backing_reads,
                       (unsigned long long)s->heap.list_cache.backing_bytes,
                       (unsigned long long)s->heap.list_cache.backing_reads);
}

void glibc_session_print_warnings(struct glibc_session *s)
{
    if (s->heap.st.notes[0])
        ngxmem_printf("note: %s\n", s->heap.st.notes);
    if (s->heap.warnings[0])
        ngxmem_printf("warning: %s\n", s->heap.warnings);
}

void glibc_session_print_header(struct glibc_session *s)
{
    const struct glibc_state *st = &s->heap.st;
    ngxmem_printf("glibc %s: main_arena 0x%llx (%s)", st->version,
                  (unsigned long long)st->main_arena, st->found_by);
    if (st->have_tcache_key)
        ngxmem_printf(", tcache key 0x%llx", (unsigned long long)st->tcache_key);
    ngxmem_printf("\n");
}
