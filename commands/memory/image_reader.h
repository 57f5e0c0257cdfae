/* A mem_reader over byte images in this process: for unit tests and
 * fuzzing the analysis code without GDB. */
#ifndef NGXMEM_IMAGE_READER_H
#define NGXMEM_IMAGE_READER_H

#include "mem_reader.h"

struct image_segment {
    uint64_t addr;
    const uint8_t *data;
    size_t len;
};

struct image_symbol {
    const char *name;
    uint64_t addr;
};

struct image {
    const struct image_segment *segments;
    size_t nsegments;
    const struct image_symbol *symbols;
    size_t nsymbols;
};

struct mem_reader image_reader(const struct image *img);

#endif
