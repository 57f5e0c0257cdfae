#include "render.h"

#include "format.h"

#include <stdio.h>
#include <string.h>

/* 1234567 -> "1,234,567" */
static const char *thousands(uint64_t n, char *buf, size_t len)
{
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    size_t o = 0;
    for (int i = 0; i < nd && o + 2 < len; i++) {
        if (i && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

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
        thousands(v->u, buf, len);
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
        snprintf(buf, len, "%s", text_terminal(v->t, t));
        break;
    }
    case VAL_BOOL:
        snprintf(buf, len, "%s", v->b ? "yes" : "no");
        break;
    case VAL_MS:
        snprintf(buf, len, "%.1f ms", v->pct);
        break;
    }
    return buf;
}

void json_string(struct out_buf *o, const char *s)
{
    out_putn(o, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            out_printf(o, "\\%c", *p);
        else if (*p >= 0x20 && *p < 0x7f)
            out_putn(o, (const char *)p, 1);
        else
            out_printf(o, "\\u%04x", *p);
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
        out_printf(o, "\"%s\"", text_json(v->t, t));
        break;
    }
    case VAL_BOOL:
        out_puts(o, v->b ? "true" : "false");
        break;
    case VAL_MS:
        out_printf(o, "%.1f", v->pct);
        break;
    }
}
