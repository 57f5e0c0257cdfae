/* A text map of every glibc heap segment, one character per cell. */
#ifndef NGXMEM_GLIBC_HEAP_MAP_H
#define NGXMEM_GLIBC_HEAP_MAP_H

#include "glibc_session.h"

/* Ownership overlay: lets another analysis (the nginx pools) say who owns
 * an in-use chunk. OWNER returns a map character, or 0 for "not mine". */
struct heap_map_overlay {
    char (*owner)(void *arg, uint64_t chunk, uint64_t size);
    void *arg;
    const char *legend;      /* the whole legend, the overlay's characters too */
};

#define GLIBC_MAP_LEGEND "# in use, . free (bins), f fastbin, t tcache, _ top, | fencepost, " \
    "T top chunk starts"

/* The map of ARENA (-1 all) with cells of CELL bytes (0: choose) into R:
 * one map block "segments" per heap segment. */
void glibc_heap_map_result(struct glibc_session *s, int arena, uint64_t cell,
                           const struct heap_map_overlay *overlay, struct result *r);

/* --cell SIZE: a power of two >= 16, or 0 (absent: choose). */
uint64_t heap_map_cell_option(struct args *a, const char *cmd);

#endif
