#define _GNU_SOURCE
#include "result.h"

#include "grow_array.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct value val_percent(uint64_t part, uint64_t whole)
{
    return (struct value){ .kind = VAL_PERCENT,
                           .pct = whole ? 100.0 * (double)part / (double)whole : 0.0 };
}

void result_init(struct result *r, const char *command)
{
    memset(r, 0, sizeof *r);
    r->command = command;
}

struct row_spill {
    FILE *f;
    struct value *buf;        /* rows first .. first + n - 1 of the file */
    size_t first, n;
};

enum { SPILL_READ_ROWS = 4096 };

static void spill_free(struct row_spill *s)
{
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    free(s->buf);
    free(s);
}

void result_release(struct result *r)
{
    for (size_t i = 0; i < r->nblocks; i++) {
        spill_free(r->blocks[i].spill);
        free(r->blocks[i].facts);
        free(r->blocks[i].cells);
        free(r->blocks[i].map);
    }
    for (size_t i = 0; i < r->nowned; i++)
        free(r->owned[i]);
    for (size_t i = 0; i < r->nwarnings; i++)
        free(r->warnings[i]);
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r->blocks);
    free(r->owned);
    free(r->warnings);
    free(r->notes);
    free(r->target_core);
    free(r->target_executable);
    free(r->title);
    memset(r, 0, sizeof *r);
}

/* P, now owned by R; NULL (and R marked) if P is NULL or cannot be kept. */
static void *keep(struct result *r, void *p)
{
    if (p && grow_array(&r->owned, &r->owned_cap, r->nowned, sizeof *r->owned, 64)) {
        r->owned[r->nowned++] = p;
        return p;
    }
    free(p);
    r->out_of_memory = true;
    return NULL;
}

static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

void result_title(struct result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(r->title);
    r->title = vformat(fmt, ap);
    va_end(ap);
}

struct value val_text(struct result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = keep(r, vformat(fmt, ap));
    va_end(ap);
    return (struct value){ .kind = VAL_TEXT, .s = s ? s : "?" };
}

struct value val_addresses(struct result *r, const uint64_t *a, int n)
{
    struct owned_addresses *copy = keep(r, calloc(1, sizeof *copy));
    if (!copy)
        return (struct value){ .kind = VAL_TEXT, .s = "?" };
    copy->n = n < VALUE_ADDRESSES_MAX ? (n > 0 ? n : 0) : VALUE_ADDRESSES_MAX;
    memcpy(copy->a, a, (size_t)copy->n * sizeof *a);
    return (struct value){ .kind = VAL_ADDRESSES, .addrs = copy };
}

struct value val_inferior(struct result *r, const struct inferior_text *t)
{
    struct owned_text *copy = keep(r, malloc(sizeof *copy + t->len));
    if (!copy)
        return (struct value){ .kind = VAL_TEXT, .s = "?" };
    copy->len = t->len;
    copy->truncated = t->truncated;
    memcpy(copy->bytes, t->unsafe_bytes, t->len);
    return (struct value){ .kind = VAL_INFERIOR, .t = copy };
}

static struct block *new_block(struct result *r, enum block_kind kind, const char *key,
                               const char *title)
{
    static struct block discard;   /* what callers fill when memory ran out */
    if (!grow_array(&r->blocks, &r->blocks_cap, r->nblocks, sizeof *r->blocks, 8)) {
        r->out_of_memory = true;
        memset(&discard, 0, sizeof discard);
        return &discard;
    }
    struct block *b = &r->blocks[r->nblocks++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->key = key;
    b->title = title;
    return b;
}

struct block *result_facts(struct result *r, const char *key, const char *title)
{
    return new_block(r, BLOCK_FACTS, key, title);
}

struct block *result_table(struct result *r, const char *key, const char *title,
                           const struct column *cols, int ncols)
{
    struct block *b = new_block(r, BLOCK_TABLE, key, title);
    b->ncols = ncols < TABLE_MAX_COLUMNS ? ncols : TABLE_MAX_COLUMNS;
    memcpy(b->cols, cols, (size_t)b->ncols * sizeof *cols);
    return b;
}

struct block *result_map(struct result *r, const char *key, const char *title)
{
    return new_block(r, BLOCK_MAP, key, title);
}

struct block *result_paragraphs(struct result *r, const char *key, const char *title)
{
    return new_block(r, BLOCK_PARAGRAPHS, key, title);
}

static struct block *last_block(struct result *r)
{
    return r->nblocks ? &r->blocks[r->nblocks - 1] : result_facts(r, NULL, NULL);
}

void result_fact(struct result *r, const char *key, const char *label, struct value v,
                 const char *detail, ...)
{
    struct block *b = last_block(r);
    if (b->kind == BLOCK_TABLE || b->kind == BLOCK_PARAGRAPHS)
        b = result_facts(r, NULL, NULL);
    char *d = NULL;
    if (detail) {
        va_list ap;
        va_start(ap, detail);
        d = keep(r, vformat(detail, ap));
        va_end(ap);
    }
    if (!grow_array(&b->facts, &b->facts_cap, b->nfacts, sizeof *b->facts, 8)) {
        r->out_of_memory = true;
        return;
    }
    b->facts[b->nfacts++] = (struct fact){ key, label, v, d };
}

static bool spill_row(struct block *b, const struct value *row)
{
    if (!b->spill) {
        b->spill = calloc(1, sizeof *b->spill);
        if (!b->spill || !(b->spill->f = tmpfile()))
            return false;
    }
    return fwrite(row, sizeof *row, (size_t)b->ncols, b->spill->f) == (size_t)b->ncols;
}

static void add_row(struct result *r, const struct value *row, bool total)
{
    struct block *b = last_block(r);
    if (b->kind != BLOCK_TABLE || b->has_total) {
        r->out_of_memory = true;   /* a programming error: no table open */
        return;
    }
    if (total) {
        memcpy(b->total, row, (size_t)b->ncols * sizeof *row);
        b->has_total = true;
        return;
    }
    if (b->nrows >= ROW_SPILL_AFTER) {
        if (!spill_row(b, row))
            r->out_of_memory = true;
        else
            b->nrows++;
        return;
    }
    size_t need = (b->nrows + 1) * (size_t)b->ncols;
    if (need > b->cells_cap) {
        size_t cap = b->cells_cap ? 2 * b->cells_cap : 16 * (size_t)b->ncols;
        struct value *c = realloc(b->cells, cap * sizeof *c);
        if (!c) {
            r->out_of_memory = true;
            return;
        }
        b->cells = c;
        b->cells_cap = cap;
    }
    memcpy(&b->cells[b->nrows * (size_t)b->ncols], row, (size_t)b->ncols * sizeof *row);
    b->nrows++;
}

const struct value *block_row(const struct block *b, size_t i)
{
    static const struct value none[TABLE_MAX_COLUMNS];
    if (i >= b->nrows)
        return b->total;
    if (i < ROW_SPILL_AFTER)
        return &b->cells[i * (size_t)b->ncols];
    struct row_spill *s = b->spill;
    size_t k = i - ROW_SPILL_AFTER, width = (size_t)b->ncols * sizeof *s->buf;
    if (!s->buf && !(s->buf = malloc(SPILL_READ_ROWS * width)))
        return none;
    if (k < s->first || k >= s->first + s->n) {
        s->first = k;
        s->n = 0;
        if (fseeko(s->f, (off_t)(k * width), SEEK_SET) == 0)
            s->n = fread(s->buf, width, SPILL_READ_ROWS, s->f);
        if (!s->n)
            return none;
    }
    return &s->buf[(k - s->first) * (size_t)b->ncols];
}

void result_row(struct result *r, const struct value *row)
{
    add_row(r, row, false);
}

void result_total(struct result *r, const struct value *row)
{
    add_row(r, row, true);
}

void result_map_cells(struct result *r, uint64_t start, uint64_t cell, const char *cells,
                      size_t n)
{
    struct block *b = last_block(r);
    char *copy = malloc(n + 1);
    if (b->kind != BLOCK_MAP || !copy) {
        free(copy);
        r->out_of_memory = true;
        return;
    }
    memcpy(copy, cells, n);
    copy[n] = '\0';
    free(b->map);
    b->map = copy;
    b->map_len = n;
    b->map_start = start;
    b->map_cell = cell;
}

static void add_message(struct result *r, char ***list, size_t *n, size_t *cap,
                        const char *fmt, va_list ap)
{
    char *s = vformat(fmt, ap);
    if (!s || !grow_array(list, cap, *n, sizeof **list, 4)) {
        free(s);
        r->out_of_memory = true;
        return;
    }
    (*list)[(*n)++] = s;
}

void result_warning(struct result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_message(r, &r->warnings, &r->nwarnings, &r->warnings_cap, fmt, ap);
    va_end(ap);
}

void result_note(struct result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_message(r, &r->notes, &r->nnotes, &r->notes_cap, fmt, ap);
    va_end(ap);
}

void result_paragraph(struct result *r, const char *id, const char *fmt, ...)
{
    struct block *b = last_block(r);
    va_list ap;
    va_start(ap, fmt);
    char *text = keep(r, vformat(fmt, ap));
    va_end(ap);
    if (b->kind != BLOCK_PARAGRAPHS || !text ||
        !grow_array(&b->facts, &b->facts_cap, b->nfacts, sizeof *b->facts, 8)) {
        r->out_of_memory = true;
        return;
    }
    b->facts[b->nfacts++] = (struct fact){ id, NULL, (struct value){ .kind = VAL_TEXT, .s = text },
                                           NULL };
}

void result_chart(struct result *r, enum chart_kind kind, int label, int value, int whole)
{
    struct block *b = last_block(r);
    if (b->kind == BLOCK_TABLE && label < b->ncols && value < b->ncols && whole < b->ncols)
        b->chart = (struct chart){ kind, label, value, whole };
}
