#include "inferior_text.h"

#include "text_escape.h"

#include <stdio.h>
#include <string.h>

void inferior_text_set(struct inferior_text *t, const void *bytes, size_t n)
{
    t->truncated = n > INFERIOR_TEXT_MAX;
    t->len = (uint16_t)(t->truncated ? INFERIOR_TEXT_MAX : n);
    memcpy(t->unsafe_bytes, bytes, t->len);
}

bool inferior_text_read(const struct mem_reader *m, uint64_t addr, uint64_t n,
                        bool stop_at_nul, struct inferior_text *t)
{
    size_t want = n < INFERIOR_TEXT_MAX ? (size_t)n : INFERIOR_TEXT_MAX;
    t->len = 0;
    t->truncated = false;
    /* a C string of unknown length: a short read first, most are short */
    size_t first = stop_at_nul && want > 64 ? 64 : want;
    if (!addr || mem_read(m, addr, t->unsafe_bytes, first) != 0)
        return false;
    size_t len = first;
    const char *nul = stop_at_nul ? memchr(t->unsafe_bytes, '\0', first) : NULL;
    if (!nul && first < want) {
        /* the rest may cross into unreadable memory: take what can be read */
        size_t more = want - first;
        while (more && mem_read(m, addr + first, t->unsafe_bytes + first, more) != 0)
            more /= 2;
        len = first + more;
        nul = stop_at_nul ? memchr(t->unsafe_bytes, '\0', len) : NULL;
        if (!nul && len < want)
            n = len + 1;   /* more was there, unreadable: said truncated */
    }
    if (nul) {
        len = (size_t)(nul - t->unsafe_bytes);
        n = len;
    }
    t->len = (uint16_t)len;
    t->truncated = n > len;
    return true;
}

void inferior_text_literal(struct inferior_text *t, const char *s)
{
    inferior_text_set(t, s, strlen(s));
}

bool inferior_text_equals(const struct inferior_text *t, const char *s)
{
    return !t->truncated && strlen(s) == t->len && memcmp(t->unsafe_bytes, s, t->len) == 0;
}

bool inferior_text_word(const struct inferior_text *t, char *buf, size_t size)
{
    static const char word_chars[] = "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@-";
    if (t->truncated || t->len == 0 || t->len >= size)
        return false;
    for (size_t i = 0; i < t->len; i++)
        if (!t->unsafe_bytes[i] || !strchr(word_chars, t->unsafe_bytes[i]))
            return false;
    memcpy(buf, t->unsafe_bytes, t->len);
    buf[t->len] = '\0';
    return true;
}

static bool terminal_utf8;

void text_terminal_utf8(bool on)
{
    terminal_utf8 = on;
}

static const char *render(const char *bytes, size_t len, bool truncated, char *buf,
                          enum escape_medium medium)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)bytes;
    for (size_t i = 0; i < len;) {
        char piece[ESCAPE_PIECE_MAX];
        size_t plen;
        i += text_escape_step(p + i, len - i, medium, piece, &plen);
        memcpy(buf + n, piece, plen);
        n += plen;
    }
    snprintf(buf + n, TEXT_OUT - n, "%s", truncated ? "..." : "");
    return buf;
}

static enum escape_medium terminal_medium(void)
{
    return terminal_utf8 ? ESCAPE_TERMINAL_UTF8 : ESCAPE_TERMINAL_ASCII;
}

const char *text_terminal_bytes(const char *bytes, size_t len, bool truncated, char *buf)
{
    return render(bytes, len, truncated, buf, terminal_medium());
}

const char *text_utf8_bytes(const char *bytes, size_t len, bool truncated, char *buf)
{
    return render(bytes, len, truncated, buf, ESCAPE_TERMINAL_UTF8);
}

const char *text_json_bytes(const char *bytes, size_t len, bool truncated, char *buf)
{
    return render(bytes, len, truncated, buf, ESCAPE_JSON);
}

const char *text_terminal(const struct inferior_text *t, char *buf)
{
    return text_terminal_bytes(t->unsafe_bytes, t->len, t->truncated, buf);
}

const char *text_json(const struct inferior_text *t, char *buf)
{
    return text_json_bytes(t->unsafe_bytes, t->len, t->truncated, buf);
}

const char *text_safe(const char *s, char *buf, size_t len)
{
    size_t n = 0, slen = strlen(s);
    const unsigned char *p = (const unsigned char *)s;
    enum escape_medium medium = terminal_medium();
    if (!len)
        return buf;
    for (size_t i = 0; i < slen;) {
        char piece[ESCAPE_PIECE_MAX];
        size_t plen, used = text_escape_step(p + i, slen - i, medium, piece, &plen);
        if (n + plen + 1 > len)
            break;
        memcpy(buf + n, piece, plen);
        n += plen;
        i += used;
    }
    buf[n] = '\0';
    return buf;
}
