/* The HTML renderer: one self-contained page (inline CSS and SVG, nothing
 * fetched) with the result's facts, tables, charts, heap maps, paragraphs,
 * notes and warnings. Every text is escaped for HTML; inferior text is
 * escaped for a terminal first (\xNN), so no byte of it reaches the page
 * raw. */
#include "render.h"

#include "text_escape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CHART_WIDTH = 640, BAR_HEIGHT = 18, LABEL_WIDTH = 200, MAP_CELL = 8, MAP_COLUMNS = 96 };

/* A chart of one series (a bar per row) has one colour. */
static const char series_colour[] = "#4e79a7";

/* Colour I of the parts of one whole (a bar split by rows): hues a golden
 * angle apart, lightness and saturation stepping with each turn, so that
 * no two parts of a chart look alike. */
static const char *part_colour(size_t i, char out[8])
{
    double h = fmod((double)i * 137.50776, 360.0) / 60.0;
    double l = 0.42 + 0.14 * (double)(i / 3 % 3), s = 0.65 - 0.15 * (double)(i / 9 % 2);
    double c = (1 - fabs(2 * l - 1)) * s, x = c * (1 - fabs(fmod(h, 2) - 1)), m = l - c / 2;
    double rgb[3] = { 0, 0, 0 };
    int sector = (int)h % 6;
    static const int order[6][3] = { { 0, 1, 2 }, { 1, 0, 2 }, { 2, 0, 1 },
                                     { 2, 1, 0 }, { 1, 2, 0 }, { 0, 2, 1 } };
    /* each sector's channels: the biggest (c), the middle (x), none */
    rgb[order[sector][0]] = c;
    rgb[order[sector][1]] = x;
    snprintf(out, 8, "#%02x%02x%02x", (unsigned)((rgb[0] + m) * 255 + 0.5),
             (unsigned)((rgb[1] + m) * 255 + 0.5), (unsigned)((rgb[2] + m) * 255 + 0.5));
    return out;
}

/* Any text (a core's path, inferior text a renderer already escaped):
 * HTML's own characters as entities, controls and bytes that are not
 * UTF-8 as \xNN (a backslash is left as it is: it is an escape's). */
static void html_text(struct out_buf *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t left = strlen(s); left;) {
        size_t used = 1;
        switch (*p) {
        case '<': out_puts(o, "&lt;"); break;
        case '>': out_puts(o, "&gt;"); break;
        case '&': out_puts(o, "&amp;"); break;
        case '"': out_puts(o, "&quot;"); break;
        case '\'': out_puts(o, "&#39;"); break;
        case '\\': out_puts(o, "\\"); break;
        default: {
            char piece[ESCAPE_PIECE_MAX];
            size_t n;
            used = text_escape_step(p, left, ESCAPE_TERMINAL_UTF8, piece, &n);
            out_putn(o, piece, n);
        }
        }
        p += used;
        left -= used;
    }
}

static void html_value(struct out_buf *o, const struct value *v)
{
    char buf[VALUE_TEXT_MAX];
    if (v->kind == VAL_INFERIOR)
        html_text(o, text_utf8_bytes(v->t->bytes, v->t->len, v->t->truncated, buf));
    else
        html_text(o, value_text(v, buf, sizeof buf));
}

/* A value's size for a chart: bytes, counts, percentages; 0 otherwise. */
static double magnitude(const struct value *v)
{
    switch (v->kind) {
    case VAL_BYTES: case VAL_COUNT: return (double)v->u;
    case VAL_INT: return v->i > 0 ? (double)v->i : 0;
    case VAL_PERCENT: case VAL_MS: return v->pct > 0 ? v->pct : 0;
    default: return 0;
    }
}

static void facts(struct out_buf *o, const struct block *b)
{
    out_puts(o, "<table class=\"facts\">\n");
    for (size_t i = 0; i < b->nfacts; i++) {
        const struct fact *f = &b->facts[i];
        out_puts(o, "<tr><th>");
        html_text(o, f->label ? f->label : f->key);
        out_puts(o, "</th><td>");
        html_value(o, &f->v);
        if (f->detail) {
            out_puts(o, " <span class=\"detail\">(");
            html_text(o, f->detail);
            out_puts(o, ")</span>");
        }
        out_puts(o, "</td></tr>\n");
    }
    out_puts(o, "</table>\n");
}

static bool shown_in_html(const struct column *c)
{
    return c->medium != JSON_ONLY;
}

static void table(const struct result *r, struct out_buf *o, const struct block *b)
{
    out_puts(o, "<table class=\"data\">\n<tr>");
    for (int c = 0; c < b->ncols; c++)
        if (shown_in_html(&b->cols[c])) {
            out_puts(o, "<th>");
            html_text(o, b->cols[c].title);
            out_puts(o, "</th>");
        }
    out_puts(o, "</tr>\n");
    for (size_t i = 0; i < b->nrows + (b->has_total ? 1 : 0); i++) {
        if (r->poll && i % 4096 == 4095)
            r->poll();
        const struct value *row = block_row(b, i);
        out_puts(o, i == b->nrows ? "<tr class=\"total\">" : "<tr>");
        for (int c = 0; c < b->ncols; c++)
            if (shown_in_html(&b->cols[c])) {
                out_puts(o, value_kind_is_number(b->cols[c].kind) ? "<td class=\"n\">"
                                                                   : "<td>");
                html_value(o, &row[c]);
                out_puts(o, "</td>");
            }
        out_puts(o, "</tr>\n");
    }
    out_puts(o, "</table>\n");
}

static void svg_label(struct out_buf *o, double x, double y, const struct value *v,
                      const char *anchor)
{
    out_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
    html_value(o, v);
    out_puts(o, "</text>");
}

/* A bar per row (BARS: against the largest value; FILL: value of whole). */
static void chart_rows(struct out_buf *o, const struct block *b)
{
    const struct chart *ch = &b->chart;
    double max = 0;
    for (size_t i = 0; i < b->nrows; i++) {
        const struct value *row = block_row(b, i);
        double v = magnitude(&row[ch->kind == CHART_FILL ? ch->whole : ch->value]);
        max = v > max ? v : max;
    }
    double span = CHART_WIDTH - LABEL_WIDTH - 90;
    out_printf(o, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" role=\"img\">\n", CHART_WIDTH,
               b->nrows * (BAR_HEIGHT + 4) + 4);
    for (size_t i = 0; i < b->nrows; i++) {
        const struct value *row = block_row(b, i);
        double y = 2 + (double)i * (BAR_HEIGHT + 4);
        double v = magnitude(&row[ch->value]);
        double whole = ch->kind == CHART_FILL ? magnitude(&row[ch->whole]) : max;
        double w = whole > 0 ? span * v / whole : 0;
        svg_label(o, LABEL_WIDTH - 6, y + BAR_HEIGHT - 5, &row[ch->label], "end");
        if (ch->kind == CHART_FILL)
            out_printf(o, "<rect class=\"whole\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" "
                          "height=\"%d\"/>", LABEL_WIDTH, y,
                       max > 0 ? span * whole / max : 0, BAR_HEIGHT);
        out_printf(o, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
                   LABEL_WIDTH, y, w > 0 && w < 1 ? 1 : w, BAR_HEIGHT, series_colour);
        svg_label(o, LABEL_WIDTH + (w > 0 && w < 1 ? 1 : w) + 4, y + BAR_HEIGHT - 5,
                  &row[ch->value], "start");
        out_puts(o, "\n");
    }
    out_puts(o, "</svg>\n");
}

/* One bar, split by the rows' values, with a legend. */
static void chart_shares(struct out_buf *o, const struct block *b)
{
    const struct chart *ch = &b->chart;
    double total = 0, x = 0, span = CHART_WIDTH - 4;
    for (size_t i = 0; i < b->nrows; i++)
        total += magnitude(&block_row(b, i)[ch->value]);
    size_t legend_rows = (b->nrows + 2) / 3;
    out_printf(o, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" role=\"img\">\n", CHART_WIDTH,
               BAR_HEIGHT * 2 + 8 + legend_rows * (BAR_HEIGHT + 2));
    for (size_t i = 0; i < b->nrows; i++) {
        const struct value *row = block_row(b, i);
        double w = total > 0 ? span * magnitude(&row[ch->value]) / total : 0;
        char colour[8];
        part_colour(i, colour);
        if (w > 0)
            out_printf(o, "<rect x=\"%.1f\" y=\"2\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
                       2 + x, w, BAR_HEIGHT * 2, colour);
        x += w;
        double lx = 2 + (double)(i % 3) * (CHART_WIDTH / 3.0);
        double ly = BAR_HEIGHT * 2 + 8 + (double)(i / 3) * (BAR_HEIGHT + 2);
        out_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>", lx,
                   ly + 3, colour);
        svg_label(o, lx + 14, ly + 12, &row[ch->label], "start");
        out_puts(o, "\n");
    }
    out_puts(o, "</svg>\n");
}

static const char map_kinds[] = "#.ft_|TCOoSML";

static int map_class(char c)
{
    const char *k = c ? strchr(map_kinds, c) : NULL;
    return k ? (int)(k - map_kinds) : 99;
}

/* The legend ("C current cycle pool, . free, ...") as swatches: each item
 * starts with the character it explains. */
static void map_legend(struct out_buf *o, const char *legend)
{
    out_puts(o, "<p class=\"detail\">");
    for (const char *p = legend; *p;) {
        const char *end = strstr(p, ", ");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), p);
        if (n > 2 && item[1] == ' ' && strchr(map_kinds, item[0]))
            out_printf(o, "<svg width=\"12\" height=\"10\"><rect width=\"10\" height=\"10\" "
                          "class=\"c%d\"/></svg>", map_class(item[0]));
        html_text(o, item);
        out_puts(o, end ? " &nbsp; " : "");
        p += n + (end ? 2 : 0);
    }
    out_puts(o, "</p>\n");
}

/* A heap map: a cell per character, coloured by what the legend says;
 * the end of the brk heap marked where the map says it is. */
static void map(const struct result *r, struct out_buf *o, const struct block *b)
{
    size_t rows = (b->map_len + MAP_COLUMNS - 1) / MAP_COLUMNS;
    out_printf(o, "<svg class=\"map\" width=\"%d\" height=\"%zu\" role=\"img\">\n",
               MAP_COLUMNS * MAP_CELL + 40, rows * MAP_CELL);
    for (size_t i = 0; i < b->map_len; i++) {
        if (r->poll && i % 65536 == 65535)
            r->poll();
        out_printf(o, "<rect x=\"%zu\" y=\"%zu\" width=\"%d\" height=\"%d\" class=\"c%d\"/>",
                   (i % MAP_COLUMNS) * MAP_CELL, (i / MAP_COLUMNS) * MAP_CELL, MAP_CELL,
                   MAP_CELL, map_class(b->map[i]));
        if (i % MAP_COLUMNS == MAP_COLUMNS - 1)
            out_puts(o, "\n");
    }
    if (b->map_end_mark && b->map_len) {
        size_t x = (b->map_len - 1) % MAP_COLUMNS * MAP_CELL + MAP_CELL, y = (rows - 1) * MAP_CELL;
        out_printf(o, "<rect class=\"brk\" x=\"%zu\" y=\"%zu\" width=\"2\" height=\"%d\"/>"
                      "<text x=\"%zu\" y=\"%zu\">brk</text>", x, y, MAP_CELL, x + 4,
                   y + MAP_CELL);
    }
    out_puts(o, "</svg>\n");
}

static const char style[] =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}"
    "h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
    "table{border-collapse:collapse;margin:8px 0}td,th{padding:2px 10px;text-align:left;white-space:nowrap}"
    "table.data th{border-bottom:1px solid #999}td.n{text-align:right}"
    "tr.total td{border-top:1px solid #999;font-weight:bold}"
    ".detail{color:#777}svg text{font-size:12px;fill:#222}"
    "rect.whole{fill:#e4e4e4}.warning{color:#b00}"
    "section.lead{background:#f6f8fb;border-left:4px solid #4e79a7;padding:4px 14px;margin:12px 0}"
    ".c0{fill:#4e79a7}.c1{fill:#d8d8d8}.c2{fill:#9ecae9}.c3{fill:#9ecae9}.c4{fill:#f3f3f3}"
    ".c5{fill:#333}.c6{fill:#e15759}.c7{fill:#f28e2b}.c8{fill:#b07aa1}.c9{fill:#59a14f}"
    ".c10{fill:#edc948}.c11{fill:#76b7b2}.c12{fill:#9c755f}"
    "rect.brk{fill:#d00}"
    ".c99{fill:#000}";

static bool same_value(const struct value *a, const struct value *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case VAL_TEXT:
    case VAL_ID: return strcmp(a->s, b->s) == 0;
    case VAL_INFERIOR:
        return a->t->len == b->t->len && memcmp(a->t->bytes, b->t->bytes, a->t->len) == 0;
    default: return a->u == b->u;
    }
}

/* Rows that are parts of a bar per group (the WHOLE column's value): the
 * first row with the same part as row I */
static size_t first_of_part(const struct block *b, size_t i)
{
    const struct value *v = &block_row(b, i)[b->chart.label];
    for (size_t k = 0; k < i; k++)
        if (same_value(&block_row(b, k)[b->chart.label], v))
            return k;
    return i;
}

/* A bar per group, split by part, against the largest group; a legend of
 * the parts (each part's colour by its first appearance) */
static void chart_stacked(struct out_buf *o, const struct block *b)
{
    const struct chart *ch = &b->chart;
    double max = 0, sum = 0;
    size_t groups = 0, parts = 0;
    for (size_t i = 0; i < b->nrows; i++) {
        const struct value *row = block_row(b, i);
        if (!i || !same_value(&row[ch->whole], &block_row(b, i - 1)[ch->whole])) {
            groups++;
            sum = 0;
        }
        sum += magnitude(&row[ch->value]);
        max = sum > max ? sum : max;
        parts += first_of_part(b, i) == i;
    }
    size_t legend_rows = (parts + 2) / 3;
    double span = CHART_WIDTH - LABEL_WIDTH - 10, x = 0, y = 2 - (BAR_HEIGHT + 4);
    out_printf(o, "<svg class=\"chart\" width=\"%d\" height=\"%zu\" role=\"img\">\n", CHART_WIDTH,
               groups * (BAR_HEIGHT + 4) + 12 + legend_rows * (BAR_HEIGHT + 2));
    size_t *part_of = calloc(b->nrows + 1, sizeof *part_of);
    size_t nparts = 0;
    for (size_t i = 0; i < b->nrows; i++) {
        const struct value *row = block_row(b, i);
        size_t first = first_of_part(b, i);
        if (part_of)
            part_of[i] = first == i ? nparts++ : part_of[first];
        if (!i || !same_value(&row[ch->whole], &block_row(b, i - 1)[ch->whole])) {
            y += BAR_HEIGHT + 4;
            x = 0;
            svg_label(o, LABEL_WIDTH - 6, y + BAR_HEIGHT - 5, &row[ch->whole], "end");
        }
        double w = max > 0 ? span * magnitude(&row[ch->value]) / max : 0;
        char colour[8];
        part_colour(part_of ? part_of[i] : 0, colour);
        if (w > 0)
            out_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
                          "fill=\"%s\"/>", LABEL_WIDTH + x, y, w, BAR_HEIGHT, colour);
        x += w;
    }
    double top = y + BAR_HEIGHT + 12;
    for (size_t i = 0, shown = 0; i < b->nrows; i++) {
        if (first_of_part(b, i) != i)
            continue;
        char colour[8];
        part_colour(part_of ? part_of[i] : 0, colour);
        double lx = 2 + (double)(shown % 3) * (CHART_WIDTH / 3.0);
        double ly = top + (double)(shown / 3) * (BAR_HEIGHT + 2);
        out_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>",
                   lx, ly - 9, colour);
        svg_label(o, lx + 14, ly, &block_row(b, i)[ch->label], "start");
        out_puts(o, "\n");
        shown++;
    }
    free(part_of);
    out_puts(o, "</svg>\n");
}

static void block_html(const struct result *r, struct out_buf *o, const struct block *b)
{
    out_printf(o, "<section id=\"%s\"%s>\n", b->key ? b->key : "facts",
               b->lead ? " class=\"lead\"" : "");
    if (b->title) {
        out_puts(o, "<h2>");
        html_text(o, b->title);
        out_puts(o, "</h2>\n");
    }
    if (b->kind == BLOCK_TABLE) {
        if (b->chart.kind == CHART_SHARES)
            chart_shares(o, b);
        else if (b->chart.kind == CHART_STACKED)
            chart_stacked(o, b);
        else if (b->chart.kind != CHART_NONE)
            chart_rows(o, b);
        table(r, o, b);
    } else if (b->kind == BLOCK_MAP) {
        if (r->legend)
            map_legend(o, r->legend);
        map(r, o, b);
    } else if (b->kind == BLOCK_PARAGRAPHS) {
        out_puts(o, "<ul>\n");
        for (size_t k = 0; k < b->nfacts; k++) {
            out_puts(o, "<li>");
            html_text(o, b->facts[k].v.s);
            out_puts(o, "</li>\n");
        }
        out_puts(o, "</ul>\n");
    } else {
        facts(o, b);
    }
    out_puts(o, "</section>\n");
}

void render_html(const struct result *r, struct out_buf *o)
{
    out_puts(o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    html_text(o, r->command);
    if (r->title) {
        out_puts(o, " &mdash; ");
        html_text(o, r->title);
    }
    out_printf(o, "</title><style>%s</style></head><body>\n<h1>", style);
    html_text(o, r->command);
    if (r->title) {
        out_puts(o, " &mdash; ");
        html_text(o, r->title);
    } else if (r->target_pid) {
        out_printf(o, " &mdash; process %d", r->target_pid);
    } else if (r->target_core) {
        out_puts(o, " &mdash; core ");
        html_text(o, r->target_core);
    }
    out_puts(o, "</h1>\n");
    /* the answer first: the blocks that lead, then the detail */
    for (int lead = 1; lead >= 0; lead--)
        for (size_t i = 0; i < r->nblocks; i++) {
            const struct block *b = &r->blocks[i];
            if ((b->verbose && !r->verbose) || b->lead != (bool)lead)
                continue;
            block_html(r, o, b);
        }
    for (size_t i = 0; i < r->nnotes; i++) {
        out_puts(o, "<p class=\"detail\">note: ");
        html_text(o, r->notes[i]);
        out_puts(o, "</p>\n");
    }
    for (size_t i = 0; i < r->nwarnings; i++) {
        out_puts(o, "<p class=\"warning\">warning: ");
        html_text(o, r->warnings[i]);
        out_puts(o, "</p>\n");
    }
    out_puts(o, "</body></html>\n");
}
