/* Memory images for testing the analysis without GDB: a snapshot of a
 * live process's mappings, saved to and parsed from a file (the fuzzing
 * input format). */
#ifndef NGXMEM_FUZZ_IMAGE_H
#define NGXMEM_FUZZ_IMAGE_H

#include "image_reader.h"

#include <sys/types.h>

enum { FUZZ_IMAGE_MAX_SEGMENTS = 256, FUZZ_IMAGE_MAX_SYMBOLS = 8 };

struct fuzz_image {
    struct image image;
    struct image_segment segs[FUZZ_IMAGE_MAX_SEGMENTS];
    struct image_symbol syms[FUZZ_IMAGE_MAX_SYMBOLS];
    char names[FUZZ_IMAGE_MAX_SYMBOLS][32];
    uint8_t *owned[FUZZ_IMAGE_MAX_SEGMENTS];   /* snapshot buffers */
};

/* Copy PID's writable mappings and libc's read-only ones through R, and
 * its malloc_trim symbol. */
bool fuzz_image_snapshot(struct fuzz_image *img, const struct mem_reader *r, pid_t pid);
bool fuzz_image_save(const struct fuzz_image *img, const char *path);
/* Parse DATA (not copied: it must outlive IMG); false if malformed. */
bool fuzz_image_parse(struct fuzz_image *img, const uint8_t *data, size_t len);
void fuzz_image_free(struct fuzz_image *img);

/* Where PID maps file offset 0 of the first file whose path contains
 * WHICH: its load bias (PIE and shared objects link at 0), or 0. PATH
 * (may be NULL) gets the file's path. */
uint64_t fuzz_image_mapped_file(pid_t pid, const char *which, char *path, size_t len);

#endif
