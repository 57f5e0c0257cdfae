/* A report saved by ngx-report --save (or --json): read back as JSON
 * (jansson) from a file that may come from anywhere, so its size is
 * bounded, its kind checked, and every string in it later escaped like
 * inferior text. */
#ifndef NGXMEM_SAVED_REPORT_H
#define NGXMEM_SAVED_REPORT_H

#include <jansson.h>
#include <stddef.h>

/* A saved report is a few MiB at most; anything bigger is not one. */
enum { SAVED_REPORT_MAX = 64 << 20 };

/* PATH's document (the caller's to json_decref), or NULL + ERR (unreadable,
 * not JSON, not an ngx-report --json document of schema 1). */
json_t *saved_report_load(const char *path, char *err, size_t errlen);

/* A row's name: the strings of its fields KEYS (NULL ended; a field that
 * is no string names nothing) joined by spaces into NAME ("owner cycle
 * nginx_pool_blocks"); "" when none is */
const char *saved_row_name(json_t *row, const char *const *keys, char *name, size_t len);

#endif
