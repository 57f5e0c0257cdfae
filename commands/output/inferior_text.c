#include "inferior_text.h"

#include <stdio.h>
#include <string.h>

void inferior_text_set(struct inferior_text *t, const void *bytes, size_t n)
{
    t->truncated = n > INFERIOR_TEXT_MAX;
    t->len = (uint8_t)(t->truncated ? INFERIOR_TEXT_MAX : n);
    memcpy(t->unsafe_bytes, bytes, t->len);
}

bool inferior_text_read(const struct mem_reader *m, uint64_t addr, uint64_t n,
                        bool stop_at_nul, struct inferior_text *t)
{
    char buf[INFERIOR_TEXT_MAX];
    size_t want = n < sizeof buf ? (size_t)n : sizeof buf;
    inferior_text_set(t, "", 0);
    if (!addr || mem_read(m, addr, buf, want) != 0)
        return false;
    size_t len = want;
    if (stop_at_nul) {
        const char *nul = memchr(buf, '\0', want);
        len = nul ? (size_t)(nul - buf) : want;
        n = nul ? len : n;
    }
    inferior_text_set(t, buf, len);
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

static bool printable(unsigned char c)
{
    return c >= 0x20 && c < 0x7f;
}

static const char *render(const struct inferior_text *t, char *buf, bool json)
{
    size_t n = 0;
    for (size_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->unsafe_bytes[i];
        if (json && (c == '"' || c == '\\'))
            n += (size_t)snprintf(buf + n, TEXT_OUT - n, "\\%c", c);
        else if (!json && c == '\\')
            n += (size_t)snprintf(buf + n, TEXT_OUT - n, "\\\\");
        else if (printable(c))
            buf[n++] = (char)c;
        else
            n += (size_t)snprintf(buf + n, TEXT_OUT - n, json ? "\\u%04x" : "\\x%02x", c);
    }
    snprintf(buf + n, TEXT_OUT - n, "%s", t->truncated ? "..." : "");
    return buf;
}

const char *text_terminal(const struct inferior_text *t, char *buf)
{
    return render(t, buf, false);
}

const char *text_json(const struct inferior_text *t, char *buf)
{
    return render(t, buf, true);
}
