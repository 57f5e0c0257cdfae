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

/* Add a "changes" table to R comparing the report OLD_PATH holds with
 * CURRENT (R rendered as JSON, one document). False + ERR when OLD_PATH
 * is not a readable ngx-report JSON document. */
bool report_diff(struct result *r, const char *old_path, const char *current, size_t len,
                 char *err, size_t errlen);

#endif
