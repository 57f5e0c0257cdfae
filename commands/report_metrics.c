#include "report_metrics.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* A metric family drawn from the rows of one array of the report: its
 * value the field VALUE, its labels the string fields LABELS names (a
 * null field is no label). */
struct family {
    const char *name, *help;
    const char *array;           /* top-level array, or NULL: OBJECT's fields */
    const char *value;
    const char *labels[4];       /* label name = the field's name */
};

static const struct family families[] = {
    { "ngxmem_rss_bytes", "Resident memory of the process by part (smaps: the parts add up to Rss).",
      "memory_parts", "rss_bytes", { "category", "zone" } },
    { "ngxmem_pss_bytes", "Proportional set size of the process by part.", "memory_parts",
      "pss_bytes", { "category", "zone" } },
    { "ngxmem_heap_owner_bytes", "The glibc heap in use by owner (reachability from nginx's structures).",
      "heap_owners", "bytes", { "owner", "module", "level", "type" } },
    { "ngxmem_heap_owner_retained_bytes", "Heap bytes only that owner reaches.", "heap_owners",
      "retained_bytes", { "owner", "module", "level", "type" } },
    { "ngxmem_zone_size_bytes", "A shared zone's size (virtual).", "zones", "bytes",
      { "name", "owner" } },
    { "ngxmem_zone_loaded_bytes", "A shared zone's pages in RAM.", "zones", "loaded_bytes",
      { "name" } },
    { "ngxmem_zone_entries", "Entries of a shared zone, read by its module.", "zone_entries",
      "entry_count", { "zone", "kind" } },
    { "ngxmem_zone_free_bytes", "A shared zone's free pages.", "zone_entries", "free_bytes",
      { "zone" } },
    { "ngxmem_zone_largest_alloc_bytes", "The largest allocation a shared zone can make now.",
      "zone_entries", "largest_alloc_bytes", { "zone" } },
};

static void escaped(struct out_buf *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            out_printf(o, "\\%c", *s);
        else if (*s == '\n')
            out_puts(o, "\\n");
        else
            out_putn(o, s, 1);
    }
}

static void header(struct out_buf *o, const char *name, const char *help)
{
    out_printf(o, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* One sample: NAME{pid, LABEL=VALUE...} V. */
static void sample(struct out_buf *o, const char *name, json_int_t pid, json_t *row,
                   const char *const *labels, json_int_t v)
{
    out_printf(o, "%s{", name);
    if (pid > 0)
        out_printf(o, "pid=\"%lld\"", (long long)pid);
    bool first = pid <= 0;
    for (int k = 0; k < 4 && labels[k]; k++) {
        json_t *s = json_object_get(row, labels[k]);
        if (!json_is_string(s))
            continue;
        out_printf(o, "%s%s=\"", first ? "" : ",", strcmp(labels[k], "category") == 0 ? "part"
                                                  : strcmp(labels[k], "name") == 0 ? "zone"
                                                  : labels[k]);
        escaped(o, json_string_value(s));
        out_puts(o, "\"");
        first = false;
    }
    out_printf(o, "} %lld\n", (long long)v);
}

bool report_metrics(const char *json, size_t len, struct out_buf *out, char *err, size_t errlen)
{
    json_error_t je;
    json_t *doc = json_loadb(json, len, 0, &je);
    json_t *cmd = json_object_get(doc, "command");
    if (!doc || !json_is_string(cmd) || strcmp(json_string_value(cmd), "ngx-report") != 0) {
        snprintf(err, errlen, "not an ngx-report document");
        json_decref(doc);
        return false;
    }
    json_int_t pid = json_integer_value(json_object_get(json_object_get(doc, "target"), "pid"));
    json_t *nginx = json_object_get(doc, "nginx"), *glibc = json_object_get(doc, "glibc");
    header(out, "ngxmem_report_info", "The report's nginx, glibc and allocator (value 1).");
    out_printf(out, "ngxmem_report_info{");
    if (pid > 0)
        out_printf(out, "pid=\"%lld\",", (long long)pid);
    out_puts(out, "nginx_version=\"");
    escaped(out, json_is_string(json_object_get(nginx, "version"))
                     ? json_string_value(json_object_get(nginx, "version")) : "");
    out_puts(out, "\",glibc_version=\"");
    escaped(out, json_is_string(json_object_get(glibc, "version"))
                     ? json_string_value(json_object_get(glibc, "version")) : "");
    /* glibc's when the report read its heap; another's names itself */
    json_t *alloc = json_object_get(json_object_get(doc, "allocator"), "name");
    out_puts(out, "\",allocator=\"");
    escaped(out, json_is_string(alloc) ? json_string_value(alloc) : "glibc");
    out_puts(out, "\"} 1\n");
    /* the heap's figures: one family, a label per figure */
    json_t *heap = json_object_get(doc, "heap"), *v;
    const char *k;
    static const char *const no_labels[4] = { NULL };
    if (json_is_object(heap)) {
        header(out, "ngxmem_heap_bytes", "The glibc heap: in use, free, trapped below the top, "
                                         "what malloc_trim would return...");
        json_object_foreach(heap, k, v) {
            size_t n = strlen(k);
            if (n <= 6 || strcmp(k + n - 6, "_bytes") != 0 || !json_is_integer(v))
                continue;
            out_printf(out, "ngxmem_heap_bytes{%s%lld%sfigure=\"%.*s\"} %lld\n",
                       pid > 0 ? "pid=\"" : "", pid > 0 ? (long long)pid : 0LL,
                       pid > 0 ? "\"," : "", (int)(n - 6), k,
                       (long long)json_integer_value(v));
        }
    }
    json_t *gc = json_object_get(json_object_get(doc, "lua"), "gc_bytes");
    if (json_is_integer(gc)) {
        header(out, "ngxmem_lua_gc_bytes", "What LuaJIT's garbage collector holds.");
        sample(out, "ngxmem_lua_gc_bytes", pid, NULL, no_labels, json_integer_value(gc));
    }
    for (size_t f = 0; f < sizeof families / sizeof *families; f++) {
        json_t *rows = json_object_get(doc, families[f].array), *row;
        size_t i;
        bool any = false;
        json_array_foreach(rows, i, row) {
            json_t *x = json_object_get(row, families[f].value);
            if (!json_is_integer(x))
                continue;
            if (!any)
                header(out, families[f].name, families[f].help);
            any = true;
            sample(out, families[f].name, pid, row, families[f].labels, json_integer_value(x));
        }
    }
    out_puts(out, "# EOF\n");
    json_decref(doc);
    return true;
}
