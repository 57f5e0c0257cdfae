/* ngx-trend: saved reports (ngx-report --save) over time - the RSS by
 * part, the heap by owner, the zones' loaded bytes - as tables and, with
 * --html, one page of bars stacked by time. Needs no process: the files
 * are the input, read as untrusted JSON (saved_report). */
#include "commands.h"

#include "command_def.h"
#include "command_output.h"
#include "inferior_text.h"
#include "output_file.h"
#include "saved_report.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const struct option_def trend_options[] = {
    { "--html", OPT_FILE, "FILE", 0, 0 },
};

static const struct command_def trend_def = {
    "ngx-trend", "Saved reports over time: RSS by part, heap by owner, zones.",
    "REPORT...", 1, POSITIONAL_MAX, trend_options, ARRAY_LEN(trend_options), COMMON_OUTPUT,
    "Reads reports saved by ngx-report --save FILE (or --json), oldest first as\n"
    "given, and shows each one's time, pid, RSS, heap in use and free, zones\n"
    "loaded and the Lua GC's total; then, with --verbose, in JSON and in --html\n"
    "FILE (one self-contained page, a bar per report stacked by part), the RSS\n"
    "by part, the heap by owner and each zone's loaded bytes per report. A\n"
    "report's time is the one it was made at (\"report\": {\"time\"}), else its\n"
    "file's. Needs no process; every file is checked and its strings escaped.\n",
    "Example: ngx-trend --html /tmp/trend.html monday.json tuesday.json",
};

static const struct column report_columns[] = {
    { "report", "#", VAL_COUNT, 0, IN_BOTH },
    { "time", "time", VAL_INFERIOR, 0, IN_BOTH },
    { "file", "file", VAL_INFERIOR, 2, IN_BOTH },
    { "pid", "pid", VAL_COUNT, 1, IN_BOTH },
    { "rss_bytes", "RSS", VAL_BYTES, 0, IN_BOTH },
    { "heap_in_use_bytes", "heap in use", VAL_BYTES, 0, IN_BOTH },
    { "heap_free_bytes", "heap free", VAL_BYTES, 0, IN_BOTH },
    { "zone_loaded_bytes", "zones loaded", VAL_BYTES, 0, IN_BOTH },
    { "lua_gc_bytes", "Lua GC", VAL_BYTES, 3, IN_BOTH },
};

static const struct column part_columns[] = {
    { "report", "#", VAL_COUNT, 0, IN_BOTH },
    { "time", "time", VAL_INFERIOR, 0, IN_BOTH },
    { "name", "what", VAL_INFERIOR, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
};

/* A saved field: a byte count, or none (absent, negative, no integer) */
static struct value bytes_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) >= 0
               ? val_bytes((uint64_t)json_integer_value(v)) : val_none();
}

static struct value text_of(struct result *r, const char *s)
{
    struct inferior_text t;
    inferior_text_set(&t, s, strlen(s));
    return val_inferior(r, &t);
}

/* When report DOC was made: its own time, else PATH's modification time */
static struct value time_of(struct result *r, json_t *doc, const char *path)
{
    json_t *t = json_object_get(json_object_get(doc, "report"), "time");
    if (json_is_string(t))
        return text_of(r, json_string_value(t));
    struct stat st;
    char when[64] = "?";
    struct tm tm;
    if (stat(path, &st) == 0 && gmtime_r(&st.st_mtime, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ (file)", &tm);
    return text_of(r, when);
}

/* Rows of DOC's table ARRAY: NAME from the string fields KEYS, its VALUE
 * bytes; TIME shared by them */
static void part_rows(struct result *r, int n, struct value time, json_t *doc,
                      const char *array, const char *const *keys, const char *value)
{
    json_t *a = json_object_get(doc, array), *row;
    size_t i;
    if (!json_is_array(a))
        return;
    json_array_foreach(a, i, row) {
        char name[512];
        saved_row_name(row, keys, name, sizeof name);
        struct value b = bytes_of(row, value);
        if (!name[0] || b.kind == VAL_NONE)
            continue;
        struct value cells[] = { val_count((uint64_t)n), time, text_of(r, name), b };
        result_row(r, cells);
    }
}

static void ngx_trend_command(const char *args, int from_tty)
{
    (void)from_tty;
    static const char cmd[] = "ngx-trend";
    struct parsed_options p;
    if (!command_options(&trend_def, args, &p))
        return;
    struct output_options o = output_options(&p);
    const char *html = opt_text(&p, "--html");
    struct output_file page __attribute__((cleanup(output_file_release))) = { 0 };
    command_open_output(&page, cmd, "--html", html, 0644);
    static json_t *docs[POSITIONAL_MAX];
    int n = p.npositional;
    char err[768];
    for (int i = 0; i < n; i++) {
        docs[i] = saved_report_load(opt_positional(&p, i), err, sizeof err);
        if (!docs[i]) {
            for (int k = 0; k < i; k++)
                json_decref(docs[k]);
            ngxmem_error("%s: %s", cmd, err);
        }
    }
    RESULT(r);
    result_init(&r, cmd);
    result_title(&r, "%d saved reports", n);
    struct value times[POSITIONAL_MAX];
    result_table(&r, "reports", "The reports:", report_columns, ARRAY_LEN(report_columns));
    for (int i = 0; i < n; i++) {
        json_t *d = docs[i], *pid = json_object_get(json_object_get(d, "target"), "pid");
        times[i] = time_of(&r, d, opt_positional(&p, i));
        struct value row[] = {
            val_count((uint64_t)i + 1), times[i], text_of(&r, opt_positional(&p, i)),
            json_is_integer(pid) && json_integer_value(pid) > 0
                ? val_count((uint64_t)json_integer_value(pid)) : val_none(),
            bytes_of(json_object_get(d, "memory"), "rss_bytes"),
            bytes_of(json_object_get(d, "heap"), "in_use_bytes"),
            bytes_of(json_object_get(d, "heap"), "free_bytes"),
            bytes_of(json_object_get(d, "zones_total"), "loaded_bytes"),
            bytes_of(json_object_get(d, "lua"), "gc_bytes"),
        };
        result_row(&r, row);
    }
    result_chart(&r, CHART_BARS, 1, 4, -1);
    static const char *const part_keys[] = { "category", "zone", NULL };
    static const char *const owner_keys[] = { "owner", "module", "level", "type", NULL };
    static const char *const zone_keys[] = { "name", NULL };
    static const struct {
        const char *key, *title, *array, *value;
        const char *const *keys;
    } series[] = {
        { "rss_by_part", "The RSS by part:", "memory_parts", "rss_bytes", part_keys },
        { "heap_by_owner", "The heap in use by owner:", "heap_owners", "bytes", owner_keys },
        { "zones_loaded", "Zones loaded:", "zones", "loaded_bytes", zone_keys },
    };
    for (size_t s = 0; s < ARRAY_LEN(series); s++) {
        result_table(&r, series[s].key, series[s].title, part_columns,
                     ARRAY_LEN(part_columns))->verbose = true;
        result_chart(&r, CHART_STACKED, 2, 3, 1);
        for (int i = 0; i < n; i++)
            part_rows(&r, i + 1, times[i], docs[i], series[s].array, series[s].keys,
                      series[s].value);
    }
    for (int i = 0; i < n; i++)
        json_decref(docs[i]);
    if (html) {
        /* the page draws every series, whatever text shows */
        bool verbose = r.verbose;
        r.verbose = true;
        command_save_html(&r, &page);
        r.verbose = verbose;
    }
    command_emit(&r, &o);
    char shown[512];
    if (html && !o.json)
        ngxmem_printf("\nHTML page written to %s\n", text_safe(html, shown, sizeof shown));
}

void report_trend_register(void)
{
    command_register(&trend_def, ngx_trend_command);
}
