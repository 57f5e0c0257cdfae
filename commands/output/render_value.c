#include "render.h"

#include "format.h"
#include "text_escape.h"

#include <stdio.h>
#include <string.h>

bool value_kind_is_number(enum value_kind k)
{
    return k == VAL_BYTES || k == VAL_COUNT || k == VAL_INT || k == VAL_PERCENT || k == VAL_MS;
}

const char *value_text(const struct value *v, char *buf, size_t len)
{
    switch (v->kind) {
    case VAL_NONE:
        snprintf(buf, len, "-");
        break;
    case VAL_BYTES:
        format_bytes(v->u, buf, len);
        break;
    case VAL_COUNT:
        format_count(v->u, buf, len);
        break;
    case VAL_INT:
        snprintf(buf, len, "%lld", (long long)v->i);
        break;
    case VAL_ADDRESS:
        snprintf(buf, len, "0x%llx", (unsigned long long)v->u);
        break;
    case VAL_PERCENT:
        snprintf(buf, len, "%.1f%%", v->pct);
        break;
    case VAL_ID: {
        /* identifiers read as words: "brk_heap" -> "brk heap" */
        size_t i = 0;
        for (; v->s[i] && i + 1 < len; i++)
            buf[i] = v->s[i] == '_' ? ' ' : v->s[i];
        buf[i] = '\0';
        break;
    }
    case VAL_TEXT:
        snprintf(buf, len, "%s", v->s);
        break;
    case VAL_INFERIOR: {
        char t[TEXT_OUT];
        snprintf(buf, len, "%s", text_terminal_bytes(v->t->bytes, v->t->len, v->t->truncated, t));
        break;
    }
    case VAL_BOOL:
        snprintf(buf, len, "%s", v->b ? "yes" : "no");
        break;
    case VAL_MS:
        snprintf(buf, len, "%.1f ms", v->pct);
        break;
    case VAL_ADDRESSES: {
        size_t at = 0;
        buf[0] = '\0';
        for (int i = 0; i < v->addrs->n && at < len; i++)
            at += (size_t)snprintf(buf + at, len - at, "%s0x%llx", i ? ", " : "",
                                   (unsigned long long)v->addrs->a[i]);
        break;
    }
    }
    return buf;
}

void json_string(struct out_buf *o, const char *s)
{
    out_putn(o, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t left = strlen(s); left;) {
        char piece[ESCAPE_PIECE_MAX];
        size_t n, used = text_escape_step(p, left, ESCAPE_JSON, piece, &n);
        out_putn(o, piece, n);
        p += used;
        left -= used;
    }
    out_putn(o, "\"", 1);
}

void value_json(struct out_buf *o, const struct value *v)
{
    switch (v->kind) {
    case VAL_NONE:
        out_puts(o, "null");
        break;
    case VAL_BYTES:
    case VAL_COUNT:
        out_printf(o, "%llu", (unsigned long long)v->u);
        break;
    case VAL_INT:
        out_printf(o, "%lld", (long long)v->i);
        break;
    case VAL_ADDRESS:
        out_printf(o, "\"0x%llx\"", (unsigned long long)v->u);
        break;
    case VAL_PERCENT:
        out_printf(o, "%.2f", v->pct);
        break;
    case VAL_ID:
    case VAL_TEXT:
        json_string(o, v->s);
        break;
    case VAL_INFERIOR: {
        char t[TEXT_OUT];
        out_printf(o, "\"%s\"", text_json_bytes(v->t->bytes, v->t->len, v->t->truncated, t));
        break;
    }
    case VAL_BOOL:
        out_puts(o, v->b ? "true" : "false");
        break;
    case VAL_MS:
        out_printf(o, "%.1f", v->pct);
        break;
    case VAL_ADDRESSES:
        out_putn(o, "[", 1);
        for (int i = 0; i < v->addrs->n; i++)
            out_printf(o, "%s\"0x%llx\"", i ? "," : "", (unsigned long long)v->addrs->a[i]);
        out_putn(o, "]", 1);
        break;
    }
}
