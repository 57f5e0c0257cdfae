/* The inferior's mappings as the analyses see them: address ranges with
 * what kind of memory they are (from /proc/PID/maps or a core's segments
 * and NT_FILE note, turned into this by the command glue). */
#ifndef NGXMEM_MEM_MAPPING_H
#define NGXMEM_MEM_MAPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mem_mapping {
    uint64_t start, end;
    bool readable, writable, executable, shared;
    bool file;                   /* backed by a file (path names it) */
    const char *path;            /* "" when anonymous; "[stack]", "[heap]"... */
};

struct mem_mappings {
    const struct mem_mapping *v; /* in address order */
    size_t n;
};

#endif
