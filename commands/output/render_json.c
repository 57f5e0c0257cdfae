#include "render.h"

#include <string.h>

static void key(struct out_buf *o, bool *first, const char *k)
{
    out_puts(o, *first ? "" : ",");
    *first = false;
    json_string(o, k);
    out_putn(o, ":", 1);
}

static void facts_fields(struct out_buf *o, const struct block *b, bool *first)
{
    for (size_t i = 0; i < b->nfacts; i++) {
        key(o, first, b->facts[i].key);
        value_json(o, &b->facts[i].v);
    }
}

static void row_object(struct out_buf *o, const struct block *b, const struct value *row)
{
    bool first = true;
    out_putn(o, "{", 1);
    for (int c = 0; c < b->ncols; c++) {
        if (b->cols[c].medium == TEXT_ONLY)
            continue;
        key(o, &first, b->cols[c].key);
        value_json(o, &row[c]);
    }
    out_putn(o, "}", 1);
}

static void table(const struct result *r, struct out_buf *o, const struct block *b,
                  bool *first)
{
    key(o, first, b->key);
    out_putn(o, "[", 1);
    for (size_t i = 0; i < b->nrows; i++) {
        if (r->poll && i % 4096 == 4095)
            r->poll();
        out_puts(o, i ? "," : "");
        row_object(o, b, block_row(b, i));
    }
    out_putn(o, "]", 1);
    if (b->has_total) {
        out_putn(o, ",", 1);
        out_printf(o, "\"%s_total\":", b->key);
        row_object(o, b, block_row(b, b->nrows));
    }
}

static void map_object(struct out_buf *o, const struct block *b)
{
    bool first = true;
    out_putn(o, "{", 1);
    facts_fields(o, b, &first);
    key(o, &first, "cells_start");
    out_printf(o, "\"0x%llx\"", (unsigned long long)b->map_start);
    key(o, &first, "cell_bytes");
    out_printf(o, "%llu", (unsigned long long)b->map_cell);
    key(o, &first, "cells");
    json_string(o, b->map ? b->map : "");
    out_putn(o, "}", 1);
}

static void messages(struct out_buf *o, bool *first, const char *k, char *const *list, size_t n)
{
    key(o, first, k);
    out_putn(o, "[", 1);
    for (size_t i = 0; i < n; i++) {
        out_puts(o, i ? "," : "");
        json_string(o, list[i]);
    }
    out_putn(o, "]", 1);
}

void render_json(const struct result *r, struct out_buf *o)
{
    bool first = true;
    out_putn(o, "{", 1);
    key(o, &first, "command");
    json_string(o, r->command);
    key(o, &first, "schema");
    out_puts(o, "1");
    key(o, &first, "target");
    out_printf(o, "{\"pid\":");
    if (r->target_pid)
        out_printf(o, "%d", r->target_pid);
    else
        out_puts(o, "null");
    out_puts(o, ",\"core\":");
    if (r->target_core)
        json_string(o, r->target_core);
    else
        out_puts(o, "null");
    out_puts(o, ",\"executable\":");
    if (r->target_executable)
        json_string(o, r->target_executable);
    else
        out_puts(o, "null");
    out_putn(o, "}", 1);
    messages(o, &first, "warnings", r->warnings, r->nwarnings);
    messages(o, &first, "notes", r->notes, r->nnotes);
    if (r->legend) {
        key(o, &first, "legend");
        json_string(o, r->legend);
    }
    for (size_t i = 0; i < r->nblocks; i++) {
        const struct block *b = &r->blocks[i];
        if (b->html_only)
            continue;
        if (b->kind == BLOCK_TABLE) {
            table(r, o, b, &first);
        } else if (b->kind == BLOCK_MAP) {
            /* consecutive maps under one key form one array */
            key(o, &first, b->key);
            out_putn(o, "[", 1);
            size_t j = i;
            for (; j < r->nblocks && r->blocks[j].kind == BLOCK_MAP &&
                   strcmp(r->blocks[j].key, b->key) == 0; j++) {
                out_puts(o, j > i ? "," : "");
                map_object(o, &r->blocks[j]);
            }
            out_putn(o, "]", 1);
            i = j - 1;
        } else if (b->kind == BLOCK_PARAGRAPHS) {
            key(o, &first, b->key);
            out_putn(o, "[", 1);
            for (size_t k = 0; k < b->nfacts; k++) {
                out_puts(o, k ? ",{\"id\":" : "{\"id\":");
                json_string(o, b->facts[k].key);
                out_puts(o, ",\"text\":");
                json_string(o, b->facts[k].v.s);
                out_putn(o, "}", 1);
            }
            out_putn(o, "]", 1);
        } else if (b->key) {
            key(o, &first, b->key);
            bool inner = true;
            out_putn(o, "{", 1);
            facts_fields(o, b, &inner);
            out_putn(o, "}", 1);
        } else {
            facts_fields(o, b, &first);
        }
    }
    out_puts(o, "}\n");
}
