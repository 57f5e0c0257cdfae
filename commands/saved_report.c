#include "saved_report.h"

#include "inferior_text.h"
#include "output_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *saved_report_load(const char *path, char *err, size_t errlen)
{
    char why[256], shown[512];
    size_t len = 0;
    char *text = input_file_read(path, SAVED_REPORT_MAX, &len, why, sizeof why);
    text_safe(path, shown, sizeof shown);
    if (!text) {
        snprintf(err, errlen, "%s: %s", shown, why);
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!doc) {
        char what[256];
        /* jansson quotes the file: it may hold any bytes */
        snprintf(err, errlen, "%s: not JSON (line %d: %s)", shown, je.line,
                 text_safe(je.text, what, 96));
        return NULL;
    }
    json_t *cmd = json_object_get(doc, "command"), *schema = json_object_get(doc, "schema");
    if (!json_is_string(cmd) || strcmp(json_string_value(cmd), "ngx-report") != 0 ||
        !json_is_integer(schema) || json_integer_value(schema) != 1) {
        snprintf(err, errlen, "%s is not an ngx-report --json (schema 1) document", shown);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

const char *saved_row_name(json_t *row, const char *const *keys, char *name, size_t len)
{
    size_t n = 0;
    name[0] = 0;
    for (const char *const *k = keys; *k && n < len; k++) {
        json_t *v = json_object_get(row, *k);
        if (json_is_string(v))
            n += (size_t)snprintf(name + n, len - n, "%s%s", n ? " " : "", json_string_value(v));
    }
    return name;
}
