#include "glibc_heap_map.h"

#include "command_output.h"
#include "commands.h"
#include "format.h"
#include "render.h"
#include "ngxmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_CELLS = 2048, MAX_CELLS = 1 << 18, PAGE = 4096 };

/* What a cell shows, most bytes wins; the overlay's owners after these. */
enum map_kind { MK_USED, MK_FREE, MK_FAST, MK_TCACHE, MK_TOP, MK_FENCE, MK_COUNT };
static const char map_chars[MK_COUNT] = { '#', '.', 'f', 't', '_', '|' };

static enum map_kind kind_of(enum chunk_class c)
{
    switch (c) {
    case CH_IN_USE: return MK_USED;
    case CH_TCACHE: return MK_TCACHE;
    case CH_FAST: return MK_FAST;
    case CH_TOP: return MK_TOP;
    case CH_FENCEPOST: return MK_FENCE;
    default: return MK_FREE;
    }
}

/* Spread BYTES of [A, END) over the cells of segment SEG as kind K, or
 * move them from in use to K (MOVE: an owner found after the walk). */
static void add_bytes(struct heap_map *m, int seg, uint64_t a, uint64_t end, int k, bool move)
{
    if (seg < 0 || seg >= m->heap->nsegments || m->seg_first[seg] < 0)
        return;
    uint64_t start = m->heap->segments[seg].start & ~(m->cell - 1);
    size_t first = (size_t)m->seg_first[seg], n = m->seg_cells[seg];
    if (a < start)
        return;
    size_t i = (size_t)((a - start) >> m->cell_shift);
    /* the common case, every chunk of a walk: one cell holds it all */
    if (!move && i < n && ((end - 1 - start) >> m->cell_shift) == i) {
        m->bytes[(first + i) * HEAP_MAP_KINDS + k] += end - a;
        return;
    }
    while (a < end && i < n) {
        uint64_t cell_end = start + ((uint64_t)(i + 1) << m->cell_shift);
        uint64_t b = (end < cell_end ? end : cell_end) - a;
        uint64_t *cell = m->bytes + (first + i) * HEAP_MAP_KINDS;
        if (move)
            cell[MK_USED] -= b < cell[MK_USED] ? b : cell[MK_USED];
        cell[k] += b;
        a += b;
        i++;
    }
}

static int owner_slot(const struct heap_map *m, char owner)
{
    const char *at = owner && m->overlay ? strchr(m->overlay->chars, owner) : NULL;
    return at && at - m->overlay->chars < HEAP_MAP_OWNERS ? MK_COUNT + (int)(at - m->overlay->chars)
                                                          : -1;
}

void heap_map_chunk(void *arg, const struct glibc_chunk *c)
{
    struct heap_map *m = arg;
    int k = kind_of(c->cls);
    if (k == MK_USED && m->overlay && m->overlay->owner) {
        int slot = owner_slot(m, m->overlay->owner(m->overlay->arg, c->addr, c->size));
        if (slot >= 0)
            k = slot;
    }
    add_bytes(m, c->segment, c->addr, c->addr + c->size, k, false);
}

void heap_map_own(struct heap_map *m, char owner, int segment, uint64_t chunk, uint64_t size)
{
    int slot = owner_slot(m, owner);
    if (slot >= 0)
        add_bytes(m, segment, chunk, chunk + size, slot, true);
}

struct claims_to_map {
    struct heap_map *map;
    const struct heap_claims *claims;
};

static void claimed(void *arg, uint64_t start, uint64_t end, int owner)
{
    struct claims_to_map *t = arg;
    char c = t->claims->owners[owner].map_char;
    if (c)
        heap_map_own(t->map, c, heap_map_segment_of(t->map, start), start, end - start);
}

void heap_map_claims(struct heap_map *m, struct heap_claims *c)
{
    struct claims_to_map t = { m, c };
    heap_claims_each(c, claimed, &t);
}

int heap_map_segment_of(struct heap_map *m, uint64_t addr)
{
    int i = glibc_heap_segment_at(m->heap, addr);
    return i >= 0 && m->seg_first[i] >= 0 ? i : -1;
}

static char cell_char(const struct heap_map *m, size_t i)
{
    int best = -1;
    uint64_t most = 0;
    const uint64_t *cell = m->bytes + i * HEAP_MAP_KINDS;
    for (int k = 0; k < HEAP_MAP_KINDS; k++)
        if (cell[k] > most) {
            most = cell[k];
            best = k;
        }
    if (best < 0)
        return ' ';
    return best >= MK_COUNT ? m->overlay->chars[best - MK_COUNT] : map_chars[best];
}

static bool mapped(const struct glibc_heap *h, int arena, int i)
{
    return arena < 0 || h->segments[i].arena == arena;
}

static size_t cells_of(const struct glibc_segment *g, uint64_t cell)
{
    return (size_t)((g->end - (g->start & ~(cell - 1)) + cell - 1) / cell);
}

/* The smallest power of two >= a page giving at most MOST cells to the
 * largest segment and a bounded number in all. */
static uint64_t choose_cell(const struct glibc_heap *h, int arena, size_t most)
{
    uint64_t largest = 0, total = 0;
    for (int i = 0; i < h->nsegments; i++)
        if (mapped(h, arena, i)) {
            uint64_t n = h->segments[i].end - h->segments[i].start;
            largest = n > largest ? n : largest;
            total += n;
        }
    uint64_t cell = PAGE;
    while (largest / cell > most || total / cell > MAX_CELLS / 2)
        cell *= 2;
    return cell;
}

void heap_map_release(struct heap_map *m)
{
    free(m->bytes);
    free(m->seg_first);
    free(m->seg_cells);
    m->bytes = NULL;
    m->seg_first = NULL;
    m->seg_cells = NULL;
}

bool heap_map_begin(struct heap_map *m, struct glibc_heap *h, int arena, uint64_t cell,
                    size_t most, const struct heap_map_overlay *overlay, char *err,
                    size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->heap = h;
    m->arena = arena;
    m->overlay = overlay;
    m->cell = cell ? cell : choose_cell(h, arena, most ? most : DEFAULT_CELLS);
    m->cell_shift = (unsigned)__builtin_ctzll(m->cell);
    size_t nseg = h->nsegments ? (size_t)h->nsegments : 1;
    m->seg_first = malloc(nseg * sizeof *m->seg_first);
    m->seg_cells = calloc(nseg, sizeof *m->seg_cells);
    if (!m->seg_first || !m->seg_cells) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (int i = 0; i < h->nsegments; i++) {
        m->seg_first[i] = -1;
        if (!mapped(h, arena, i))
            continue;
        size_t n = cells_of(&h->segments[i], m->cell);
        if (n > MAX_CELLS || m->ncells + n > MAX_CELLS) {
            snprintf(err, errlen, "more than %d cells; use a larger --cell", MAX_CELLS);
            return false;
        }
        m->seg_first[i] = (int)m->ncells;
        m->seg_cells[i] = n;
        m->ncells += n;
    }
    m->bytes = calloc(m->ncells ? m->ncells * HEAP_MAP_KINDS : 1, sizeof *m->bytes);
    if (!m->bytes) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    return true;
}

static void free_row(char **row)
{
    free(*row);
}

void heap_map_emit(const struct heap_map *m, struct result *r)
{
    const struct glibc_heap *h = m->heap;
    size_t most = 0;
    for (int i = 0; i < h->nsegments; i++)
        most = m->seg_cells[i] > most ? m->seg_cells[i] : most;
    char *row __attribute__((cleanup(free_row))) = malloc(most ? most : 1);
    if (!row)
        ngxmem_error("%s: out of memory", r->command);
    r->legend = m->overlay && m->overlay->legend ? m->overlay->legend : GLIBC_MAP_LEGEND;
    for (int si = 0; si < h->nsegments; si++) {
        if (m->seg_first[si] < 0)
            continue;
        const struct glibc_segment *g = &h->segments[si];
        const struct glibc_arena *a = &h->arenas[g->arena];
        char b[2][32];
        uint64_t start = g->start & ~(m->cell - 1);
        struct value kind = val_id(glibc_segment_kind_id(g->kind));
        char kind_text[VALUE_TEXT_MAX];
        struct value title = val_text(r, "segment %d: %s of arena %d, %s from 0x%llx, cell %s", si,
                                      value_text(&kind, kind_text, sizeof kind_text), g->arena,
                                      format_bytes(g->end - g->start, b[0], 32),
                                      (unsigned long long)g->start, format_bytes(m->cell, b[1], 32));
        struct block *blk = result_map(r, "segments", title.s);
        if (g->kind == SEG_BRK && !a->noncontiguous)
            blk->map_end_mark = "> brk";
        result_fact(r, "index", "segment", val_int(si), NULL);
        result_fact(r, "kind", "kind", kind, NULL);
        result_fact(r, "arena", "arena", val_int(g->arena), NULL);
        result_fact(r, "start", "start", val_address(g->start), NULL);
        result_fact(r, "end", "end", val_address(g->end), NULL);
        result_fact(r, "bytes", "size", val_bytes(g->end - g->start), NULL);
        for (size_t i = 0; i < m->seg_cells[si]; i++) {
            uint64_t cell_addr = start + i * m->cell;
            bool top_here = a->top >= cell_addr && a->top < cell_addr + m->cell;
            row[i] = top_here ? 'T' : cell_char(m, (size_t)m->seg_first[si] + i);
        }
        result_map_cells(r, start, m->cell, row, m->seg_cells[si]);
    }
}

void glibc_heap_map_result(struct glibc_session *s, int arena, uint64_t cell,
                           const struct heap_map_overlay *overlay, struct result *r)
{
    struct heap_map m __attribute__((cleanup(heap_map_release)));
    char err[512];
    if (!heap_map_begin(&m, &s->heap, arena, cell, 0, overlay, err, sizeof err) ||
        !glibc_heap_walk(&s->heap, arena, heap_map_chunk, &m, err, sizeof err))
        ngxmem_error("%s: %s", r->command, err);
    gdb_reader_done(&s->progress);
    heap_map_emit(&m, r);
}

static const struct option_def heap_map_options[] = { ARENA_OPTION, CELL_OPTION };

static const struct command_def heap_map_def = {
    "glibc-heap-map",
    "Draw every glibc heap segment as a map: what holds the memory below the top.", NULL, 0, 0,
    heap_map_options, ARRAY_LEN(heap_map_options), COMMON_OUTPUT,
    "One character per cell (default: a power of two >= 4 KiB giving at most 2048\n"
    "cells per segment): # in use, . free, f fastbin, t tcache, _ top, | fencepost;\n"
    "T marks where the top chunk starts and '> brk' the end of the brk heap. Free\n"
    "cells ('.') far below T are memory that only malloc_trim's madvise can return.\n",
    "Example: glibc-heap-map --arena main --cell 64K",
};

static void glibc_heap_map_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    RESULT(r);
    if (!glibc_session_open(&s, &heap_map_def, args, 0))
        return;
    int arena = glibc_session_arena(&s, "glibc-heap-map");
    uint64_t cell = heap_map_cell_option(&s.opts, "glibc-heap-map");
    struct output_options o = output_options(&s.opts);
    result_init(&r, "glibc-heap-map");
    glibc_session_describe(&s, &r);
    glibc_heap_map_result(&s, arena, cell, NULL, &r);
    command_emit(&r, &o);
}

uint64_t heap_map_cell_option(const struct parsed_options *p, const char *cmd)
{
    uint64_t cell = opt_number(p, "--cell", 0);
    if (opt_given(p, "--cell") && (cell < 16 || (cell & (cell - 1))))
        ngxmem_error("%s: --cell needs a power-of-two size >= 16 (e.g. 4K, 1M)", cmd);
    return cell;
}

void glibc_heap_map_register(void)
{
    command_register(&heap_map_def, glibc_heap_map_command);
}
