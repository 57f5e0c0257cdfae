#define _GNU_SOURCE
#include "report_diff.h"

#include "format.h"
#include "grow_array.h"
#include "inferior_text.h"
#include "output_file.h"
#include "saved_report.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct item {
    char *name;                  /* "zone loaded dogs" */
    int64_t bytes;               /* >= 0: a field that is not is refused */
};

struct report_items {
    struct item *v;
    size_t n, cap;
    size_t refused;              /* fields that were no byte count */
    bool oom;
};

void report_diff_free(struct report_items *it)
{
    if (!it)
        return;
    for (size_t i = 0; i < it->n; i++)
        free(it->v[i].name);
    free(it->v);
    free(it);
}

static void add_item(struct report_items *it, const char *section, const char *name,
                     json_t *bytes)
{
    if (!name || !name[0] || !bytes)
        return;
    /* bytes are counts: a negative or fractional one is not from a report */
    if (!json_is_integer(bytes) || json_integer_value(bytes) < 0) {
        it->refused++;
        return;
    }
    char *s = NULL;
    if (asprintf(&s, "%s %s", section, name) < 0 ||
        !grow_array(&it->v, &it->cap, it->n, sizeof *it->v, 64)) {
        free(s);
        it->oom = true;
        return;
    }
    it->v[it->n++] = (struct item){ s, json_integer_value(bytes) };
}

/* Rows of ARRAY, each named by its fields KEYS (saved_row_name). */
static void rows(struct report_items *it, json_t *doc, const char *array,
                 const char *const *keys, const char *value, const char *section)
{
    json_t *a = json_object_get(doc, array), *row;
    size_t i;
    if (!json_is_array(a))
        return;
    json_array_foreach(a, i, row) {
        char name[1024];
        add_item(it, section, saved_row_name(row, keys, name, sizeof name),
                 json_object_get(row, value));
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct item *)a)->name, ((const struct item *)b)->name);
}

/* Every "*_bytes" field of the object SECTION */
static void byte_facts(struct report_items *it, json_t *doc, const char *section)
{
    json_t *facts = json_object_get(doc, section), *v;
    const char *k;
    if (json_is_object(facts))
        json_object_foreach(facts, k, v) {
            size_t len = strlen(k);
            if (len > 6 && strcmp(k + len - 6, "_bytes") == 0)
                add_item(it, section, k, v);
        }
}

static struct report_items *flatten(json_t *doc)
{
    struct report_items *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    json_t *memory = json_object_get(doc, "memory");
    static const char *const part_keys[] = { "category", "zone", NULL };
    static const char *const owner_keys[] = { "owner", "module", "level", "type", NULL };
    static const char *const zone_keys[] = { "name", NULL };
    add_item(it, "memory", "rss", json_object_get(memory, "rss_bytes"));
    rows(it, doc, "memory_parts", part_keys, "rss_bytes", "memory");
    byte_facts(it, doc, "heap");
    rows(it, doc, "heap_owners", owner_keys, "bytes", "owner");
    /* the Lua VM: its GC's total and segments, and its objects by type */
    static const char *const lua_type_keys[] = { "type", NULL };
    byte_facts(it, doc, "lua");
    byte_facts(it, doc, "lua_allocator");
    rows(it, doc, "lua_by_type", lua_type_keys, "bytes", "lua");
    rows(it, doc, "zones", zone_keys, "loaded_bytes", "zone loaded");
    static const char *const entries_keys[] = { "zone", NULL };
    rows(it, doc, "zone_entries", entries_keys, "asked_bytes", "zone entries");
    if (it->oom) {
        report_diff_free(it);
        return NULL;
    }
    if (it->n)
        qsort(it->v, it->n, sizeof *it->v, by_name);
    return it;
}

struct report_items *report_diff_load(const char *path, char *err, size_t errlen)
{
    json_t *doc = saved_report_load(path, err, errlen);
    if (!doc)
        return NULL;
    struct report_items *it = flatten(doc);
    if (!it) {
        char shown[512];
        snprintf(err, errlen, "out of memory reading %s", text_safe(path, shown, sizeof shown));
    }
    json_decref(doc);
    return it;
}

static const struct column change_columns[] = {
    { "item", "what", VAL_INFERIOR, 0, IN_BOTH },
    { "before_bytes", "before", VAL_BYTES, 1, IN_BOTH },
    { "after_bytes", "after", VAL_BYTES, 0, IN_BOTH },
    { "change", "change", VAL_TEXT, 0, TEXT_ONLY },
    { "change_bytes", "change", VAL_INT, 0, JSON_ONLY },
};

static void change_row(struct result *r, const char *name, const struct item *was,
                       const struct item *now)
{
    char b[32];
    struct inferior_text t;
    inferior_text_set(&t, name, strlen(name));
    /* both are in [0, 2^63): the difference fits */
    int64_t before = was ? was->bytes : 0, after = now ? now->bytes : 0, d = after - before;
    uint64_t m = d < 0 ? (uint64_t)before - (uint64_t)after : (uint64_t)d;
    struct value row[] = { val_inferior(r, &t), was ? val_bytes((uint64_t)before) : val_none(),
                           now ? val_bytes((uint64_t)after) : val_none(),
                           val_text(r, "%s%s", d < 0 ? "-" : d > 0 ? "+" : "",
                                    format_bytes(m, b, sizeof b)),
                           val_int(d) };
    result_row(r, row);
}

bool report_diff(struct result *r, const struct report_items *was, const char *old_path,
                 const char *current, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    json_t *now_doc = json_loadb(current, len, 0, &je);
    struct report_items *is = now_doc ? flatten(now_doc) : NULL;
    json_decref(now_doc);
    if (!is) {
        snprintf(err, errlen, "out of memory comparing the reports");
        return false;
    }
    size_t unchanged = 0, i = 0, j = 0;
    result_table(r, "changes", "Since the saved report:", change_columns,
                 ARRAY_LEN(change_columns));
    /* both sorted by name: one merge; every item is shown or counted */
    while (i < was->n || j < is->n) {
        int c = i == was->n ? 1 : j == is->n ? -1 : strcmp(was->v[i].name, is->v[j].name);
        if (c == 0 && was->v[i].bytes == is->v[j].bytes)
            unchanged++;
        else if (c <= 0)
            change_row(r, was->v[i].name, &was->v[i], c == 0 ? &is->v[j] : NULL);
        else
            change_row(r, is->v[j].name, NULL, &is->v[j]);
        i += c <= 0;
        j += c >= 0;
    }
    if (was->refused)
        result_warning(r, "%zu fields of the saved report were no byte counts (negative or "
                       "not integers): not compared", was->refused);
    result_facts(r, "compared_with", NULL);
    struct inferior_text path;
    inferior_text_set(&path, old_path, strlen(old_path));
    result_fact(r, "file", "compared with", val_inferior(r, &path), NULL);
    result_fact(r, "unchanged_count", "unchanged", val_count(unchanged), NULL);
    report_diff_free(is);
    return true;
}
