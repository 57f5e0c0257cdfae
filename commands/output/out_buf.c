#include "out_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void out_flush(struct out_buf *o)
{
    if (o->sink && o->len) {
        o->sink(o->sink_arg, o->s, o->len);
        o->len = 0;
    }
}

static bool reserve(struct out_buf *o, size_t more)
{
    if (o->failed)
        return false;
    if (o->sink && o->len + more >= OUT_SINK_PIECE)
        out_flush(o);
    if (o->len + more + 1 <= o->cap)
        return true;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->len + more + 1)
        cap *= 2;
    char *s = realloc(o->s, cap);
    if (!s) {
        o->failed = true;
        return false;
    }
    o->s = s;
    o->cap = cap;
    return true;
}

void out_putn(struct out_buf *o, const char *s, size_t n)
{
    if (!reserve(o, n))
        return;
    memcpy(o->s + o->len, s, n);
    o->len += n;
    o->s[o->len] = '\0';
}

void out_puts(struct out_buf *o, const char *s)
{
    out_putn(o, s, strlen(s));
}

void out_pad(struct out_buf *o, char c, size_t n)
{
    if (!reserve(o, n))
        return;
    memset(o->s + o->len, c, n);
    o->len += n;
    o->s[o->len] = '\0';
}

void out_printf(struct out_buf *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(o, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(o->s + o->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    o->len += (size_t)n;
}

void out_release(struct out_buf *o)
{
    free(o->s);
    o->s = NULL;
    o->len = o->cap = 0;
}
