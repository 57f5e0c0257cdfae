/* Renderers of a result (result.h): each writes the whole result into an
 * out_buf; the command glue prints the buffer only when it is complete. */
#ifndef NGXMEM_RENDER_H
#define NGXMEM_RENDER_H

#include "out_buf.h"
#include "result.h"

enum { VALUE_TEXT_MAX = TEXT_OUT + 32 };

/* A column of numbers (right-aligned in text and HTML). */
bool value_kind_is_number(enum value_kind k);

/* V as a person reads it ("1.50 MiB", "1,234", "brk heap", "12.3%"). */
const char *value_text(const struct value *v, char *buf, size_t len);

/* V as JSON (integer, "0x..." string, identifier, escaped string). */
void value_json(struct out_buf *o, const struct value *v);
/* S (our own text) as a JSON string, escaped. */
void json_string(struct out_buf *o, const char *s);

/* Text for a terminal WIDTH columns wide (0: no limit). */
void render_text(const struct result *r, int width, struct out_buf *o);

/* One JSON document, schema 1 (schema/ngxmem-v1.schema.json), one line. */
void render_json(const struct result *r, struct out_buf *o);

/* One self-contained HTML document (inline CSS and SVG, nothing fetched):
 * facts, tables with their charts, heap maps as cell grids, paragraphs. */
void render_html(const struct result *r, struct out_buf *o);

#endif
