/* The text renderer: every line fits WIDTH columns. Tables hide their
 * optional columns, then shorten their text columns, rather than wrap;
 * prose wraps at word boundaries; maps choose their cells per row. */
#include "render.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { GAP = 2, MAP_PREFIX = 17, MAP_ROW_DEFAULT = 64, MAP_ROW_MIN = 16, MAP_ROW_MAX = 128,
       MIN_TEXT_COLUMN = 8 };

static void new_line(struct out_buf *o, size_t indent, size_t *col)
{
    out_putn(o, "\n", 1);
    out_pad(o, ' ', indent);
    *col = indent;
}

/* PREFIX then TEXT, broken at spaces so no line passes WIDTH (0: never);
 * continuation lines start with INDENT spaces, no line ends in a space.
 * A word longer than a whole line is split where it stands. */
static void wrap(struct out_buf *o, const char *prefix, const char *text, int width, int indent)
{
    size_t col = strlen(prefix), w = width > 0 ? (size_t)width : SIZE_MAX;
    size_t in = width > 0 && indent > width / 2 ? (size_t)width / 2 : (size_t)indent;
    bool line_start = true;    /* nothing of TEXT on this line yet */
    out_puts(o, prefix);
    for (const char *p = text; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t word = strcspn(p, " ");
        bool fits_fresh_line = in + word <= w;
        if (!line_start && col + 1 + word > w && fits_fresh_line)
            new_line(o, in, &col);
        else if (!line_start && col + 1 >= w)
            new_line(o, in, &col);
        else if (!line_start) {
            out_putn(o, " ", 1);
            col++;
        }
        while (col + word > w) {
            size_t room = w > col ? w - col : 0;
            out_putn(o, p, room);
            p += room;
            word -= room;
            new_line(o, in, &col);
        }
        out_putn(o, p, word);
        col += word;
        p += word;
        line_start = false;
    }
    out_putn(o, "\n", 1);
}

static bool shortenable(enum value_kind k)
{
    return k == VAL_TEXT || k == VAL_INFERIOR || k == VAL_ID;
}

static void facts(struct out_buf *o, const struct block *b, int width)
{
    size_t label = 0;
    for (size_t i = 0; i < b->nfacts; i++)
        if (strlen(b->facts[i].label) > label)
            label = strlen(b->facts[i].label);
    for (size_t i = 0; i < b->nfacts; i++) {
        const struct fact *f = &b->facts[i];
        char prefix[96], v[VALUE_TEXT_MAX];
        snprintf(prefix, sizeof prefix, "%s:%*s", f->label, (int)(label - strlen(f->label) + 1),
                 "");
        value_text(&f->v, v, sizeof v);
        if (f->detail) {
            OUT_BUF line = { 0 };
            out_printf(&line, "%s (%s)", v, f->detail);
            wrap(o, prefix, line.s ? line.s : "", width, (int)label + 2);
        } else {
            wrap(o, prefix, v, width, (int)label + 2);
        }
    }
}

/* Column widths of table B (header, rows, total). */
static void column_widths(const struct result *r, const struct block *b, size_t *w)
{
    char v[VALUE_TEXT_MAX];
    size_t rows = b->nrows + (b->has_total ? 1 : 0);
    for (int c = 0; c < b->ncols; c++)
        w[c] = strlen(b->cols[c].title);
    for (size_t i = 0; i < rows; i++) {
        if (r->poll && i % 4096 == 4095)
            r->poll();
        for (int c = 0; c < b->ncols; c++) {
            size_t n = strlen(value_text(&block_row(b, i)[c], v, sizeof v));
            if (n > w[c])
                w[c] = n;
        }
    }
}

static size_t table_width(const struct block *b, const size_t *w, const bool *shown)
{
    size_t total = 0;
    int n = 0;
    for (int c = 0; c < b->ncols; c++)
        if (shown[c]) {
            total += w[c];
            n++;
        }
    return total + (n > 1 ? (size_t)(n - 1) * GAP : 0);
}

/* A column for text with something to say (not every cell unknown). */
static bool applies(const struct block *b, int c)
{
    size_t rows = b->nrows + (b->has_total ? 1 : 0);
    if (b->cols[c].medium == JSON_ONLY)
        return false;
    for (size_t i = 0; i < rows; i++)
        if (block_row(b, i)[c].kind != VAL_NONE)
            return true;
    return rows == 0;
}

/* Hide optional columns, highest hide_order first, then shorten the widest
 * text column, until the table fits WIDTH. */
static void fit_columns(const struct block *b, int width, size_t *w, bool *shown)
{
    for (int c = 0; c < b->ncols; c++)
        shown[c] = applies(b, c);
    if (width <= 0)
        return;
    while (table_width(b, w, shown) > (size_t)width) {
        int hide = -1;
        for (int c = 0; c < b->ncols; c++)
            if (shown[c] && b->cols[c].hide_order > 0 &&
                (hide < 0 || b->cols[c].hide_order > b->cols[hide].hide_order))
                hide = c;
        if (hide < 0)
            break;
        shown[hide] = false;
    }
    size_t total;
    while ((total = table_width(b, w, shown)) > (size_t)width) {
        int widest = -1;
        for (int c = 0; c < b->ncols; c++)
            if (shown[c] && shortenable(b->cols[c].kind) && w[c] > MIN_TEXT_COLUMN &&
                (widest < 0 || w[c] > w[widest]))
                widest = c;
        if (widest < 0)
            break;
        size_t over = total - (size_t)width;
        w[widest] = w[widest] - over > MIN_TEXT_COLUMN && w[widest] > over
                        ? w[widest] - over : MIN_TEXT_COLUMN;
    }
}

static void table_line(struct out_buf *o, const struct block *b, const size_t *w,
                       const bool *shown, const struct value *row)
{
    char v[VALUE_TEXT_MAX];
    int last = -1;
    for (int c = 0; c < b->ncols; c++)
        if (shown[c])
            last = c;
    bool first = true;
    for (int c = 0; c < b->ncols; c++) {
        if (!shown[c])
            continue;
        const char *s = row ? value_text(&row[c], v, sizeof v) : b->cols[c].title;
        size_t n = strlen(s);
        if (!first)
            out_pad(o, ' ', GAP);
        first = false;
        if (n > w[c]) {
            out_putn(o, s, w[c] - 3);
            out_puts(o, "...");
        } else if (value_kind_is_number(b->cols[c].kind)) {
            out_pad(o, ' ', w[c] - n);
            out_puts(o, s);
        } else {
            out_puts(o, s);
            if (c != last)
                out_pad(o, ' ', w[c] - n);
        }
    }
    out_putn(o, "\n", 1);
}

static void table(const struct result *r, struct out_buf *o, const struct block *b, int width)
{
    size_t w[TABLE_MAX_COLUMNS];
    bool shown[TABLE_MAX_COLUMNS];
    column_widths(r, b, w);
    fit_columns(b, width, w, shown);
    table_line(o, b, w, shown, NULL);
    for (size_t i = 0; i < b->nrows; i++) {
        if (r->poll && i % 4096 == 4095)
            r->poll();
        table_line(o, b, w, shown, block_row(b, i));
    }
    if (b->has_total)
        table_line(o, b, w, shown, block_row(b, b->nrows));
    OUT_BUF hidden = { 0 };
    for (int c = 0; c < b->ncols; c++)
        if (!shown[c] && applies(b, c))
            out_printf(&hidden, "%s%s", hidden.len ? ", " : "", b->cols[c].title);
    if (hidden.len) {
        out_printf(&hidden, " (set width 0, or --json, shows them)");
        wrap(o, "not shown at this width: ", hidden.s, width, 2);
    }
}

static size_t map_row_cells(const struct block *b, int width)
{
    if (width <= 0)
        return MAP_ROW_DEFAULT;
    size_t mark = b->map_end_mark ? strlen(b->map_end_mark) + 1 : 0;
    size_t room = (size_t)width > MAP_PREFIX + mark ? (size_t)width - MAP_PREFIX - mark : 0;
    room -= room % MAP_ROW_MIN;
    return room < MAP_ROW_MIN ? MAP_ROW_MIN : room > MAP_ROW_MAX ? MAP_ROW_MAX : room;
}

/* A map's facts are for JSON: its title says the same for a person. */
static void map(struct out_buf *o, const struct block *b, int width)
{
    size_t per = map_row_cells(b, width);
    for (size_t r = 0; r < b->map_len; r += per) {
        size_t n = b->map_len - r < per ? b->map_len - r : per;
        out_printf(o, "  0x%012llx ", (unsigned long long)(b->map_start + r * b->map_cell));
        out_putn(o, b->map + r, n);
        if (r + per >= b->map_len && b->map_end_mark)
            out_printf(o, " %s", b->map_end_mark);
        out_putn(o, "\n", 1);
    }
}

void render_text(const struct result *r, int width, struct out_buf *o)
{
    bool legend_shown = false;
    size_t written = 0;
    for (size_t i = 0; i < r->nblocks; i++) {
        const struct block *b = &r->blocks[i];
        if ((b->verbose && !r->verbose) || b->html_only)
            continue;
        if (written++)
            out_putn(o, "\n", 1);
        if (b->kind == BLOCK_MAP && r->legend && !legend_shown) {
            wrap(o, "legend: ", r->legend, width, 2);
            out_putn(o, "\n", 1);
            legend_shown = true;
        }
        if (b->title)
            wrap(o, "", b->title, width, 2);
        if (b->kind == BLOCK_TABLE)
            table(r, o, b, width);
        else if (b->kind == BLOCK_MAP)
            map(o, b, width);
        else if (b->kind == BLOCK_PARAGRAPHS)
            for (size_t k = 0; k < b->nfacts; k++)
                wrap(o, "- ", b->facts[k].v.s, width, 2);
        else
            facts(o, b, width);
    }
    if ((r->nnotes || r->nwarnings) && written)
        out_putn(o, "\n", 1);
    for (size_t i = 0; i < r->nnotes; i++)
        wrap(o, "note: ", r->notes[i], width, 2);
    for (size_t i = 0; i < r->nwarnings; i++)
        wrap(o, "warning: ", r->warnings[i], width, 2);
}
