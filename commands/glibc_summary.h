/* The glibc heap in a few figures (free, in use, trapped, pinned, what
 * malloc_trim returns): glibc-free-chunks' summary and the report's. */
#ifndef NGXMEM_GLIBC_SUMMARY_H
#define NGXMEM_GLIBC_SUMMARY_H

#include "glibc_stats.h"
#include "result.h"

/* Free bytes of every free class, with or without the top chunks. */
uint64_t glibc_free_bytes(const struct glibc_stats *s, bool with_top);
uint64_t glibc_free_chunk_count(const struct glibc_stats *s);
/* system_mem of ARENA, or of all arenas (-1). */
uint64_t glibc_arena_bytes(const struct glibc_heap *h, int arena);

/* The summary as a facts block KEY (NULL: top level) titled TITLE. */
void glibc_summary_facts(struct result *r, const char *key, const char *title,
                         const struct glibc_heap *h, const struct glibc_stats *t, int arena);

/* The free classes (every class but in use and fencepost). */
enum { GLIBC_FREE_CLASSES = 6 };
extern const enum chunk_class glibc_free_classes[GLIBC_FREE_CLASSES];

/* Size bucket B as a person reads it: "[64 B, 128 B)". */
struct value glibc_bucket_label(struct result *r, int b);

/* Free chunks by power-of-two size, with counts per class: the table
 * "free_by_size". */
void glibc_free_by_size_table(struct result *r, const struct glibc_stats *t);

#endif
