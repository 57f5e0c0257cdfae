/* A text map of every glibc heap segment, one character per cell. */
#ifndef NGXMEM_GLIBC_HEAP_MAP_H
#define NGXMEM_GLIBC_HEAP_MAP_H

#include "glibc_session.h"
#include "heap_claims.h"

/* Ownership overlay: lets another analysis (the nginx pools) say who owns
 * an in-use chunk, during the walk (OWNER: a character of CHARS, or 0 for
 * "not mine") or after it (heap_map_own). */
enum { HEAP_MAP_OWNERS = 8, HEAP_MAP_KINDS = 6 + HEAP_MAP_OWNERS };
struct heap_map_overlay {
    char (*owner)(void *arg, uint64_t chunk, uint64_t size);   /* or NULL */
    void *arg;
    const char *chars;       /* the owners' map characters, at most HEAP_MAP_OWNERS */
    const char *legend;      /* the whole legend, the overlay's characters too */
};

/* A map in steps, for a walk shared with other analyses: begin, then
 * heap_map_chunk (a glibc_chunk_fn) for every chunk of the walk, owners
 * found after it, emit; release in every case. */
struct heap_map {
    struct glibc_heap *heap;
    int arena;
    uint64_t cell;               /* a power of two: 1 << cell_shift */
    unsigned cell_shift;
    const struct heap_map_overlay *overlay;
    int *seg_first;          /* per segment: its first cell, -1 unmapped */
    size_t *seg_cells;
    size_t ncells;
    uint64_t *bytes;         /* [ncells][HEAP_MAP_KINDS] */
};
/* CELL 0: chosen, at most MOST cells (0: 2048) for the largest segment. */
bool heap_map_begin(struct heap_map *m, struct glibc_heap *h, int arena, uint64_t cell,
                    size_t most, const struct heap_map_overlay *overlay, char *err,
                    size_t errlen);
void heap_map_chunk(void *m, const struct glibc_chunk *c);
/* The in-use chunk at CHUNK (SIZE bytes, in SEGMENT) belongs to OWNER. */
void heap_map_own(struct heap_map *m, char owner, int segment, uint64_t chunk, uint64_t size);
/* Every claim on the heap whose owner has a map character (of the
 * overlay's), after the walk. */
void heap_map_claims(struct heap_map *m, struct heap_claims *c);
/* The mapped segment holding ADDR, or -1. */
int heap_map_segment_of(struct heap_map *m, uint64_t addr);
/* One map block "segments" per mapped segment into R. */
void heap_map_emit(const struct heap_map *m, struct result *r);
void heap_map_release(struct heap_map *m);

#define GLIBC_MAP_LEGEND "# in use, . free (bins), f fastbin, t tcache, _ top, | fencepost, " \
    "T top chunk starts"

/* The map of ARENA (-1 all) with cells of CELL bytes (0: choose) into R:
 * one map block "segments" per heap segment. */
void glibc_heap_map_result(struct glibc_session *s, int arena, uint64_t cell,
                           const struct heap_map_overlay *overlay, struct result *r);

/* --cell SIZE: a power of two >= 16, or 0 (absent: choose). */
#define CELL_OPTION { "--cell", OPT_SIZE, "SIZE", 0, 0 }
uint64_t heap_map_cell_option(const struct parsed_options *p, const char *cmd);

#endif
