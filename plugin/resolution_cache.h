/* The internals found in one GDB build, kept in the user's cache directory
 * ($XDG_CACHE_HOME/ngxmem, else ~/.cache/ngxmem) under GDB's and this
 * plugin's build-ids, so that the next load skips the anchor scan. A
 * cached address is only a candidate: the caller verifies the whole set
 * as it verifies a fresh resolution, and any mismatch falls back to one.
 * The file is read only if it is a regular file of this user that nobody
 * else may write. */
#ifndef NGXMEM_RESOLUTION_CACHE_H
#define NGXMEM_RESOLUTION_CACHE_H

#include "resolver.h"

#include <stdbool.h>
#include <stddef.h>

/* The cache file for GDB_BUILD_ID and this plugin; false when caching is
 * off (NGXMEM_CACHE=off), a build-id is unknown or no directory is known. */
bool resolution_cache_path(const char *gdb_build_id, char *path, size_t n);

/* Load PATH into gdb_internals[] (file addresses) and R's symbols_from.
 * False + WHY (nothing loaded, gdb_internals[] untouched) when absent,
 * unsafe or malformed. */
bool resolution_cache_load(const char *path, struct resolver_report *r, char *why,
                           size_t whylen);

/* Write gdb_internals[] (file addresses) and R's symbols_from to PATH,
 * creating the directory (0700); a failure only costs the next load. */
void resolution_cache_save(const char *path, const struct resolver_report *r);

#endif
