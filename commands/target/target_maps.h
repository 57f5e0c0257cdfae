/* The mappings of what GDB looks at: a live process's, as
 * /proc/PID/smaps lists them, or a core's, as its segments (each one's
 * Rss: the bytes the file holds) and its NT_FILE note (which names the
 * files) tell them; and the same as the analyses see them. */
#ifndef NGXMEM_TARGET_MAPS_H
#define NGXMEM_TARGET_MAPS_H

#include "mem_mapping.h"
#include "proc_smaps.h"

/* The core at CORE's segments into S (in address order). MISSING: the
 * bytes its segments claim but its file lacks; TRUNCATED: more segments
 * than could be kept. False + WHY when it cannot be read as a core. */
bool target_maps_core(const char *core, struct smaps *s, uint64_t *missing, bool *truncated,
                      char *why, size_t whylen);

/* S as mem_mappings: OUT holds S->n, pointing into S's paths. */
void target_maps_view(const struct smaps *s, struct mem_mapping *out);

#endif
