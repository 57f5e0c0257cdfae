#include "report_diff.h"

#include "format.h"
#include "inferior_text.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A saved report is a few KiB; anything this big is not one. */
enum { SAVED_REPORT_MAX = 16 << 20, ITEMS_MAX = 4096, ITEM_NAME_MAX = 96 };

struct item {
    char name[ITEM_NAME_MAX];
    long long bytes;
};

struct items {
    struct item v[ITEMS_MAX];
    int n;
};

static void add_item(struct items *it, const char *section, const char *name, json_t *bytes)
{
    if (it->n == ITEMS_MAX || !json_is_integer(bytes) || !name)
        return;
    struct item *i = &it->v[it->n];
    int len = snprintf(i->name, sizeof i->name, "%s %s", section, name);
    /* a name longer than any report's is not from one: left out */
    if (len < 0 || (size_t)len >= sizeof i->name)
        return;
    i->bytes = json_integer_value(bytes);
    it->n++;
}

/* Rows of ARRAY named by KEY (and, for zone rows, their zone). */
static void rows(struct items *it, json_t *doc, const char *array, const char *key,
                 const char *value, const char *section)
{
    json_t *a = json_object_get(doc, array), *row;
    size_t i;
    if (!json_is_array(a))
        return;
    json_array_foreach(a, i, row) {
        json_t *k = json_object_get(row, key), *zone = json_object_get(row, "zone");
        char name[ITEM_NAME_MAX];
        if (!json_is_string(k))
            continue;
        snprintf(name, sizeof name, "%s%s%s", json_string_value(k),
                 json_is_string(zone) ? " " : "", json_is_string(zone) ? json_string_value(zone) : "");
        add_item(it, section, name, json_object_get(row, value));
    }
}

static void flatten(struct items *it, json_t *doc)
{
    it->n = 0;
    json_t *memory = json_object_get(doc, "memory");
    add_item(it, "memory", "rss", json_object_get(memory, "rss_bytes"));
    rows(it, doc, "memory_parts", "category", "rss_bytes", "memory");
    json_t *heap = json_object_get(doc, "heap"), *v;
    const char *k;
    if (json_is_object(heap))
        json_object_foreach(heap, k, v) {
            size_t len = strlen(k);
            if (len > 6 && strcmp(k + len - 6, "_bytes") == 0)
                add_item(it, "heap", k, v);
        }
    rows(it, doc, "heap_owners", "owner", "bytes", "owner");
    rows(it, doc, "zones", "name", "loaded_bytes", "zone loaded");
}

static const struct item *find(const struct items *it, const char *name)
{
    for (int i = 0; i < it->n; i++)
        if (strcmp(it->v[i].name, name) == 0)
            return &it->v[i];
    return NULL;
}

static const struct column change_columns[] = {
    { "item", "what", VAL_INFERIOR, 0, IN_BOTH },
    { "before_bytes", "before", VAL_BYTES, 1, IN_BOTH },
    { "after_bytes", "after", VAL_BYTES, 0, IN_BOTH },
    { "change", "change", VAL_TEXT, 0, TEXT_ONLY },
    { "change_bytes", "change", VAL_INT, 0, JSON_ONLY },
};

static struct value signed_bytes(struct result *r, long long d)
{
    char b[32];
    unsigned long long m = d < 0 ? 0ull - (unsigned long long)d : (unsigned long long)d;
    return val_text(r, "%s%s", d < 0 ? "-" : d > 0 ? "+" : "", format_bytes(m, b, sizeof b));
}

static void change_row(struct result *r, const char *name, const struct item *was,
                       const struct item *now)
{
    struct inferior_text t;
    inferior_text_set(&t, name, strlen(name));
    long long before = was ? was->bytes : 0, after = now ? now->bytes : 0;
    struct value row[] = { val_inferior(r, &t),
                           was && before >= 0 ? val_bytes((uint64_t)before) : val_none(),
                           now && after >= 0 ? val_bytes((uint64_t)after) : val_none(),
                           signed_bytes(r, after - before), val_int(after - before) };
    result_row(r, row);
}

static json_t *load_saved(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    json_error_t je;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "cannot read %s", path);
        return NULL;
    }
    if (sb.st_size > SAVED_REPORT_MAX) {
        snprintf(err, errlen, "%s is not a saved report (%lld bytes)", path,
                 (long long)sb.st_size);
        return NULL;
    }
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(err, errlen, "%s: not JSON (line %d: %.80s)", path, je.line, je.text);
        return NULL;
    }
    json_t *cmd = json_object_get(doc, "command"), *schema = json_object_get(doc, "schema");
    if (!json_is_string(cmd) || strcmp(json_string_value(cmd), "ngx-report") != 0 ||
        !json_is_integer(schema) || json_integer_value(schema) != 1) {
        snprintf(err, errlen, "%s is not an ngx-report --json (schema 1) document", path);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

bool report_diff(struct result *r, const char *old_path, const char *current, size_t len,
                 char *err, size_t errlen)
{
    json_error_t je;
    json_t *old = load_saved(old_path, err, errlen);
    if (!old)
        return false;
    json_t *now = json_loadb(current, len, 0, &je);
    static struct items was, is;
    flatten(&was, old);
    if (now)
        flatten(&is, now);
    else
        is.n = 0;
    json_decref(old);
    json_decref(now);
    int unchanged = 0;
    result_table(r, "changes", "Since the saved report:", change_columns,
                 ARRAY_LEN(change_columns));
    for (int i = 0; i < is.n; i++) {
        const struct item *w = find(&was, is.v[i].name);
        if (w && w->bytes == is.v[i].bytes)
            unchanged++;
        else
            change_row(r, is.v[i].name, w, &is.v[i]);
    }
    for (int i = 0; i < was.n; i++)
        if (!find(&is, was.v[i].name))
            change_row(r, was.v[i].name, &was.v[i], NULL);
    result_facts(r, "compared_with", NULL);
    struct inferior_text path;
    inferior_text_set(&path, old_path, strlen(old_path));
    result_fact(r, "file", "compared with", val_inferior(r, &path), NULL);
    result_fact(r, "unchanged_count", "unchanged", val_count((uint64_t)unchanged), NULL);
    return true;
}
