/* ngx-report --diff OLD.json: what grew and what shrank since a saved
 * report, by category (each memory part and zone, the heap's figures, the
 * heap's owners, each zone's loaded bytes). Both reports are read as JSON
 * (jansson): the saved one is a file from anywhere, so every field is
 * checked and every string escaped like inferior text. */
#ifndef NGXMEM_REPORT_DIFF_H
#define NGXMEM_REPORT_DIFF_H

#include "result.h"

#include <stdbool.h>
#include <stddef.h>

/* A saved report's items, read before anything else (so that --save to
 * the same file cannot lose it). */
struct report_items;
struct report_items *report_diff_load(const char *path, char *err, size_t errlen);
void report_diff_free(struct report_items *old);

/* Add a "changes" table to R comparing OLD (read from OLD_PATH) with
 * CURRENT (R rendered as JSON, one document). False + ERR when memory ran
 * out or CURRENT is not a report. */
bool report_diff(struct result *r, const struct report_items *old, const char *old_path,
                 const char *current, size_t len, char *err, size_t errlen);

#endif
