#include "glibc_heap_map.h"

#include "commands.h"
#include "format.h"
#include "ngxmem.h"

#include <stdlib.h>
#include <string.h>

enum { CELLS_PER_ROW = 64, DEFAULT_CELLS = 2048, MAX_CELLS = 1 << 18, PAGE = 4096 };

/* What a cell shows, most bytes wins. */
enum map_kind { MK_USED, MK_OWNED, MK_FREE, MK_FAST, MK_TCACHE, MK_TOP, MK_FENCE, MK_COUNT };
static const char map_chars[MK_COUNT] = { '#', '?', '.', 'f', 't', '_', '|' };

struct map_cells {
    bool json;
    int printed;                   /* segments printed so far */
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

static void print_segment(struct glibc_session *s, int si, struct map_cells *m)
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
        ngxmem_error("glibc-heap-map: %s", err);
    gdb_reader_done(&s->progress);
    const char *kind = g->kind == SEG_BRK ? "brk heap" : g->kind == SEG_MMAP ? "mmap segment"
                                                                             : "thread heap";
    if (m->json)
        ngxmem_printf("%s{\"segment\":%d,\"kind\":\"%s\",\"arena\":%d,\"start\":%llu,"
                      "\"end\":%llu,\"cell\":%llu,\"rows\":[", m->printed ? "," : "", si, kind,
                      g->arena, (unsigned long long)g->start, (unsigned long long)g->end,
                      (unsigned long long)m->cell);
    else
        ngxmem_printf("\nsegment %d: %s of arena %d (0x%llx), 0x%llx-0x%llx, %s, cell %s\n", si,
                      kind, g->arena, (unsigned long long)a->addr, (unsigned long long)g->start,
                      (unsigned long long)g->end, format_bytes(g->end - g->start, b[0], 32),
                      format_bytes(m->cell, b[1], 32));
    m->printed++;
    char row[CELLS_PER_ROW + 1];
    for (size_t r = 0; r < m->ncells; r += CELLS_PER_ROW) {
        size_t n = 0;
        for (; n < CELLS_PER_ROW && r + n < m->ncells; n++) {
            uint64_t cell_addr = m->start + (r + n) * m->cell;
            bool top_here = a->top >= cell_addr && a->top < cell_addr + m->cell;
            row[n] = top_here ? 'T' : cell_char(m, r + n);
        }
        row[n] = '\0';
        bool last = r + CELLS_PER_ROW >= m->ncells;
        if (m->json)
            ngxmem_printf("%s\"%s\"", r ? "," : "", row);
        else
            ngxmem_printf("  0x%012llx %s%s\n", (unsigned long long)(m->start + r * m->cell), row,
                          last && g->kind == SEG_BRK && !a->noncontiguous ? "> brk" : "");
    }
    if (m->json)
        ngxmem_printf("]}");
}

void glibc_heap_map_print(struct glibc_session *s, int arena, uint64_t cell, bool json,
                          const struct heap_map_overlay *overlay)
{
    struct map_cells m __attribute__((cleanup(free_cells))) = { .overlay = overlay,
                                                                .json = json };
    m.cell = cell ? cell : choose_cell(&s->heap, arena);
    size_t most = 0;
    for (int i = 0; i < s->heap.nsegments; i++) {
        const struct glibc_segment *g = &s->heap.segments[i];
        size_t n = (size_t)((g->end - (g->start & ~(m.cell - 1)) + m.cell - 1) / m.cell);
        if ((arena < 0 || g->arena == arena) && n > most)
            most = n;
    }
    if (most > MAX_CELLS)
        ngxmem_error("glibc-heap-map: %zu cells in one segment; use a larger --cell", most);
    m.bytes = calloc(most ? most : 1, sizeof *m.bytes);
    m.owner_char = calloc(most ? most : 1, 1);
    m.owner_bytes = calloc(most ? most : 1, sizeof *m.owner_bytes);
    if (!m.bytes || !m.owner_char || !m.owner_bytes)
        ngxmem_error("glibc-heap-map: out of memory");
    if (json)
        ngxmem_printf("{\"legend\":\"#used .free f fastbin t tcache _ top | fencepost T top%s%s\","
                      "\"segments\":[", overlay && overlay->legend ? " " : "",
                      overlay && overlay->legend ? overlay->legend : "");
    else
        ngxmem_printf("legend: # in use, . free (bins), f fastbin, t tcache, _ top, | fencepost, "
                      "T top chunk starts%s%s\n", overlay && overlay->legend ? ", " : "",
                      overlay && overlay->legend ? overlay->legend : "");
    for (int i = 0; i < s->heap.nsegments; i++)
        if (arena < 0 || s->heap.segments[i].arena == arena)
            print_segment(s, i, &m);
    if (json)
        ngxmem_printf("]}\n");
}

static const char heap_map_help[] =
    "Draw every glibc heap segment as a map: what holds the memory below the top.\n"
    "Usage: glibc-heap-map [--arena all|main|N|ADDR] [--cell SIZE] [--json]\n"
    "One character per cell (default: a power of two >= 4 KiB giving at most 2048\n"
    "cells per segment): # in use, . free, f fastbin, t tcache, _ top, | fencepost;\n"
    "T marks where the top chunk starts and '> brk' the end of the brk heap. Free\n"
    "cells ('.') far below T are memory that only malloc_trim's madvise can return.\n"
    "Example: glibc-heap-map --arena main --cell 64K";

static void glibc_heap_map_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    glibc_session_open(&s, "glibc-heap-map", args, 0);
    int arena = glibc_session_arena(&s, "glibc-heap-map");
    bool missing;
    uint64_t cell = 0;
    const char *v = args_value(&s.args, "--cell", &missing);
    if (missing || (v && (!args_parse_size(v, &cell) || cell < 16 || (cell & (cell - 1)))))
        ngxmem_error("glibc-heap-map: --cell needs a power-of-two size >= 16 (e.g. 4K, 1M)");
    bool json = args_flag(&s.args, "--json");
    args_require_done(&s.args, "glibc-heap-map");
    if (!json)
        glibc_session_print_header(&s);
    glibc_heap_map_print(&s, arena, cell, json, NULL);
    if (!json)
        glibc_session_print_warnings(&s);
}

void glibc_heap_map_register(void)
{
    ngxmem_register_command("glibc-heap-map", glibc_heap_map_command, heap_map_help);
}
