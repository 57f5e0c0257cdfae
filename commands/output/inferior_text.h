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
    /* nginx refuses a configuration word this long (NGX_CONF_BUFFER): no
     * zone name from a configuration is cut */
    INFERIOR_TEXT_MAX = 4096,
    /* room for the longest rendering: every byte as \u00NN, plus "..." */
    TEXT_OUT = 6 * INFERIOR_TEXT_MAX + 8,
};

struct inferior_text {
    uint16_t len;
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

/* For a terminal: printable ASCII as is (a backslash doubled), valid UTF-8
 * too when the terminal takes it (text_terminal_utf8), every other byte
 * as \xNN, then "..." when truncated. BUF: TEXT_OUT bytes. Characters
 * that move or hide text are escaped whatever the medium: C0 and C1
 * controls, DEL, bidirectional overrides and isolates, line and paragraph
 * separators, the byte order mark. */
const char *text_terminal(const struct inferior_text *t, char *buf);

/* The inside of a JSON string: \" \\, valid UTF-8 as it is but for the
 * characters above (\uNNNN), and \u00NN for each byte that is not UTF-8;
 * then "..." when truncated. BUF: TEXT_OUT bytes. */
const char *text_json(const struct inferior_text *t, char *buf);

/* The same for LEN bytes at BYTES (LEN <= INFERIOR_TEXT_MAX). */
const char *text_terminal_bytes(const char *bytes, size_t len, bool truncated, char *buf);
/* As text_terminal_bytes for a medium that always takes UTF-8 (HTML). */
const char *text_utf8_bytes(const char *bytes, size_t len, bool truncated, char *buf);
const char *text_json_bytes(const char *bytes, size_t len, bool truncated, char *buf);

/* Does the terminal take UTF-8 (its locale's codeset)? Set once by the
 * host at load; false (ASCII only) until then. */
void text_terminal_utf8(bool on);

/* Any text -- a path, an error message that quotes a file -- made safe for
 * a terminal as above into BUF (LEN bytes, cut if need be). */
const char *text_safe(const char *s, char *buf, size_t len);

#endif
