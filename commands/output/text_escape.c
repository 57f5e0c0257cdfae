#include "text_escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The length of the valid UTF-8 sequence at P and its code point, or 0
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_sequence(const unsigned char *p, size_t avail, uint32_t *cp)
{
    size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    if (!n || p[0] > 0xf4 || n > avail)
        return 0;
    uint32_t c = p[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (c < least[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Characters that move, hide or reorder the text around them. */
static bool moves_text(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c ||
           (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
           (c >= 0x2060 && c <= 0x2069) || c == 0xfeff;
}

size_t text_escape_step(const unsigned char *p, size_t avail, enum escape_medium m, char *out,
                        size_t *outlen)
{
    bool json = m == ESCAPE_JSON;
    unsigned char c = p[0];
    int n = 0;
    if (c == '\\' || (json && c == '"')) {
        n = snprintf(out, ESCAPE_PIECE_MAX, "\\%c", c);
    } else if (c >= 0x20 && c < 0x7f) {
        out[0] = (char)c;
        n = 1;
    } else if (c < 0x80) {
        n = snprintf(out, ESCAPE_PIECE_MAX, json ? "\\u%04x" : "\\x%02x", c);
    } else {
        uint32_t cp = 0;
        size_t len = m == ESCAPE_TERMINAL_ASCII ? 0 : utf8_sequence(p, avail, &cp);
        if (len && !moves_text(cp)) {
            for (size_t i = 0; i < len; i++)
                out[i] = (char)p[i];
            *outlen = len;
            return len;
        }
        if (len && json) {
            *outlen = (size_t)snprintf(out, ESCAPE_PIECE_MAX, "\\u%04x", (unsigned)cp);
            return len;
        }
        /* the whole sequence as bytes, so a C1 control is one unit */
        size_t take = len ? len : 1;
        for (size_t i = 0; i < take; i++)
            n += snprintf(out + n, ESCAPE_PIECE_MAX - (size_t)n, json ? "\\u%04x" : "\\x%02x",
                          p[i]);
        *outlen = (size_t)n;
        return take;
    }
    *outlen = (size_t)n;
    return 1;
}
