/* A text map of every glibc heap segment, one character per cell. */
#ifndef NGXMEM_GLIBC_HEAP_MAP_H
#define NGXMEM_GLIBC_HEAP_MAP_H

#include "glibc_session.h"

/* Ownership overlay: lets another analysis (the nginx pools) say who owns
 * an in-use chunk. OWNER returns a map character, or 0 for "not mine". */
struct heap_map_overlay {
    char (*owner)(void *arg, uint64_t chunk, uint64_t size);
    void *arg;
    const char *legend;      /* e.g. "C cycle pool" */
};

/* Print the map of ARENA (-1 all) with cells of CELL bytes (0: choose),
 * as text or JSON. */
void glibc_heap_map_print(struct glibc_session *s, int arena, uint64_t cell, bool json,
                          const struct heap_map_overlay *overlay);

#endif
