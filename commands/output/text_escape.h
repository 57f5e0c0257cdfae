/* One character of untrusted text made safe for a medium: the step every
 * renderer takes over inferior text and over our own strings. */
#ifndef NGXMEM_TEXT_ESCAPE_H
#define NGXMEM_TEXT_ESCAPE_H

#include <stddef.h>

enum escape_medium {
    ESCAPE_TERMINAL_ASCII,   /* printable ASCII, the rest \xNN */
    ESCAPE_TERMINAL_UTF8,    /* and valid UTF-8 as it is */
    ESCAPE_JSON,             /* the inside of a JSON string, valid UTF-8 kept */
};

enum { ESCAPE_PIECE_MAX = 6 * 4 + 1 };

/* Escape the character at P (AVAIL bytes there, AVAIL > 0) into OUT
 * (*OUTLEN bytes, not NUL-terminated); returns how many bytes of P it
 * took. A byte that does not start valid UTF-8 is taken alone. */
size_t text_escape_step(const unsigned char *p, size_t avail, enum escape_medium m, char *out,
                        size_t *outlen);

#endif
