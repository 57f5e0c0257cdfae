/* Text read from the inferior: zone names (from configs), module names,
 * dict keys (from requests), nginx's version and module signature. Any
 * bytes at all may be there, terminal escapes and quotes included. It is
 * kept in a struct so that handing one to a printf "%s" draws a -Wformat
 * warning: it reaches output only through text_terminal() or text_json(). */
#ifndef NGXMEM_INFERIOR_TEXT_H
#define NGXMEM_INFERIOR_TEXT_H

#include "mem_reader.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    INFERIOR_TEXT_MAX = 64,
    /* room for the longest rendering: every byte as \u00NN, plus "..." */
    TEXT_OUT = 6 * INFERIOR_TEXT_MAX + 8,
};

struct inferior_text {
    uint8_t len;
    bool truncated;              /* the inferior had more than was kept */
    char unsafe_bytes[INFERIOR_TEXT_MAX];
};

/* N bytes of BYTES (more than INFERIOR_TEXT_MAX: truncated, said so). */
void inferior_text_set(struct inferior_text *t, const void *bytes, size_t n);

/* Read N bytes at ADDR (at most INFERIOR_TEXT_MAX of them); false when
 * unreadable. With STOP_AT_NUL a C string: it ends at its first NUL. */
bool inferior_text_read(const struct mem_reader *m, uint64_t addr, uint64_t n,
                        bool stop_at_nul, struct inferior_text *t);

/* Our own text (a fallback label) into T. */
void inferior_text_literal(struct inferior_text *t, const char *s);

bool inferior_text_equals(const struct inferior_text *t, const char *s);

/* Copy T into BUF (SIZE bytes) when it is one plain word a user can type
 * back ([A-Za-z0-9_.:@-], not truncated, not empty); false otherwise. */
bool inferior_text_word(const struct inferior_text *t, char *buf, size_t size);

/* For a terminal: printable ASCII as is, a backslash doubled, every other
 * byte as \xNN, then "..." when truncated. BUF: TEXT_OUT bytes. */
const char *text_terminal(const struct inferior_text *t, char *buf);

/* The inside of a JSON string: \" \\ and \u00NN for every byte outside
 * printable ASCII (so the result is ASCII and valid whatever came in),
 * then "..." when truncated. BUF: TEXT_OUT bytes. */
const char *text_json(const struct inferior_text *t, char *buf);

#endif
