#include "glibc_heap_map.h"

#include "command_output.h"
#include "commands.h"
#include "format.h"
#include "render.h"
#include "ngxmem.h"

#include <stdlib.h>
#include <string.h>

enum { DEFAULT_CELLS = 2048, MAX_CELLS = 1 << 18, PAGE = 4096 };

/* What a cell shows, most bytes wins. */
enum map_kind { MK_USED, MK_OWNED, MK_FREE, MK_FAST, MK_TCACHE, MK_TOP, MK_FENCE, MK_COUNT };
static const char map_chars[MK_COUNT] = { '#', '?', '.', 'f', 't', '_', '|' };

struct map_cells {
    uint64_t start, cell;
    size_t ncells;
    uint64_t (*bytes)[MK_COUNT];
    char *owner_char;              /* per cell: overlay char with most bytes */
    uint64_t *owner_bytes;
    const struct heap_map_overlay *overlay;
    int segment;
};

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

static void map_chunk(void *arg, const struct glibc_chunk *c)
{
    struct map_cells *m = arg;
    if (c->segment != m->segment)
        return;
    enum map_kind k = kind_of(c->cls);
    char owner = 0;
    if (k == MK_USED && m->overlay && m->overlay->owner)
        owner = m->overlay->owner(m->overlay->arg, c->addr, c->size);
    if (owner)
        k = MK_OWNED;
    uint64_t a = c->addr, end = c->addr + c->size;
    while (a < end) {
        size_t i = (size_t)((a - m->start) / m->cell);
        if (i >= m->ncells)
            break;
        uint64_t cell_end = m->start + (i + 1) * m->cell;
        uint64_t n = (end < cell_end ? end : cell_end) - a;
        m->bytes[i][k] += n;
        if (owner && n > m->owner_bytes[i]) {
            m->owner_bytes[i] = n;
            m->owner_char[i] = owner;
        }
        a += n;
    }
}

static char cell_char(const struct map_cells *m, size_t i)
{
    int best = -1;
    uint64_t most = 0;
    for (int k = 0; k < MK_COUNT; k++)
        if (m->bytes[i][k] > most) {
            most = m->bytes[i][k];
            best = k;
        }
    if (best < 0)
        return ' ';
    return best == MK_OWNED ? m->owner_char[i] : map_chars[best];
}

static uint64_t choose_cell(const struct glibc_heap *h, int arena)
{
    uint64_t largest = 0;
    for (int i = 0; i < h->nsegments; i++)
        if (arena < 0 || h->segments[i].arena == arena)
            if (h->segments[i].end - h->segments[i].start > largest)
                largest = h->segments[i].end - h->segments[i].start;
    uint64_t cell = PAGE;
    while (largest / cell > DEFAULT_CELLS)
        cell *= 2;
    return cell;
}

static void free_cells(struct map_cells *m)
{
    free(m->bytes);
    free(m->owner_char);
    free(m->owner_bytes);
    m->bytes = NULL;
    m->owner_char = NULL;
    m->owner_bytes = NULL;
}

static void map_segment(struct glibc_session *s, int si, struct map_cells *m, struct result *r,
                        char *row)
{
    const struct glibc_segment *g = &s->heap.segments[si];
    const struct glibc_arena *a = &s->heap.arenas[g->arena];
    char b[2][32], err[512];
    m->segment = si;
    m->start = g->start & ~(m->cell - 1);
    m->ncells = (size_t)((g->end - m->start + m->cell - 1) / m->cell);
    memset(m->bytes, 0, m->ncells * sizeof *m->bytes);
    memset(m->owner_char, 0, m->ncells);
    memset(m->owner_bytes, 0, m->ncells * sizeof *m->owner_bytes);
    if (!glibc_heap_walk_segment(&s->heap, si, map_chunk, m, err, sizeof err))
        ngxmem_error("%s: %s", r->command, err);
    gdb_reader_done(&s->progress);
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
    for (size_t i = 0; i < m->ncells; i++) {
        uint64_t cell_addr = m->start + i * m->cell;
        bool top_here = a->top >= cell_addr && a->top < cell_addr + m->cell;
        row[i] = top_here ? 'T' : cell_char(m, i);
    }
    result_map_cells(r, m->start, m->cell, row, m->ncells);
}

static void free_row(char **row)
{
    free(*row);
}

void glibc_heap_map_result(struct glibc_session *s, int arena, uint64_t cell,
                           const struct heap_map_overlay *overlay, struct result *r)
{
    struct map_cells m __attribute__((cleanup(free_cells))) = { .overlay = overlay };
    m.cell = cell ? cell : choose_cell(&s->heap, arena);
    size_t most = 0;
    for (int i = 0; i < s->heap.nsegments; i++) {
        const struct glibc_segment *g = &s->heap.segments[i];
        size_t n = (size_t)((g->end - (g->start & ~(m.cell - 1)) + m.cell - 1) / m.cell);
        if ((arena < 0 || g->arena == arena) && n > most)
            most = n;
    }
    if (most > MAX_CELLS)
        ngxmem_error("%s: %zu cells in one segment; use a larger --cell", r->command, most);
    m.bytes = calloc(most ? most : 1, sizeof *m.bytes);
    m.owner_char = calloc(most ? most : 1, 1);
    m.owner_bytes = calloc(most ? most : 1, sizeof *m.owner_bytes);
    char *row __attribute__((cleanup(free_row))) = malloc(most ? most : 1);
    if (!m.bytes || !m.owner_char || !m.owner_bytes || !row)
        ngxmem_error("%s: out of memory", r->command);
    r->legend = overlay && overlay->legend ? overlay->legend : GLIBC_MAP_LEGEND;
    for (int i = 0; i < s->heap.nsegments; i++)
        if (arena < 0 || s->heap.segments[i].arena == arena)
            map_segment(s, i, &m, r, row);
}

static const char heap_map_help[] =
    "Draw every glibc heap segment as a map: what holds the memory below the top.\n"
    "Usage: glibc-heap-map [--arena all|main|N|ADDR] [--cell SIZE] [--json] [--verbose]\n"
    "One character per cell (default: a power of two >= 4 KiB giving at most 2048\n"
    "cells per segment): # in use, . free, f fastbin, t tcache, _ top, | fencepost;\n"
    "T marks where the top chunk starts and '> brk' the end of the brk heap. Free\n"
    "cells ('.') far below T are memory that only malloc_trim's madvise can return.\n"
    NGXMEM_HELP_TAIL
    "Example: glibc-heap-map --arena main --cell 64K";

static void glibc_heap_map_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    RESULT(r);
    if (!glibc_session_open(&s, "glibc-heap-map", args, 0))
        return;
    int arena = glibc_session_arena(&s, "glibc-heap-map");
    uint64_t cell = heap_map_cell_option(&s.args, "glibc-heap-map");
    struct output_options o = output_options(&s.args);
    args_require_done(&s.args, "glibc-heap-map");
    result_init(&r, "glibc-heap-map");
    glibc_session_describe(&s, &r);
    glibc_heap_map_result(&s, arena, cell, NULL, &r);
    command_emit(&r, &o);
}

uint64_t heap_map_cell_option(struct args *a, const char *cmd)
{
    bool missing;
    uint64_t cell = 0;
    const char *v = args_value(a, "--cell", &missing);
    if (missing || (v && (!args_parse_size(v, &cell) || cell < 16 || (cell & (cell - 1)))))
        ngxmem_error("%s: --cell needs a power-of-two size >= 16 (e.g. 4K, 1M)", cmd);
    return cell;
}

void glibc_heap_map_register(void)
{
    ngxmem_register_command("glibc-heap-map", glibc_heap_map_command, heap_map_help);
}
