/* Many reads in an order known ahead, a piece of at most
 * READ_STREAM_PIECE bytes at a time: items near each other read as one
 * span (the gaps between them with them), each piece read by a helper
 * thread while the caller works on the one before (read_ahead), when the
 * reader allows one; else read when it is asked for. Items come back one
 * at a time, in the order they went in: what the caller does with them is
 * as without the helper, only the reading moves to the other core.
 * Memory: two pieces, their items and spans, and a piece for items read
 * alone (5 MiB), whatever the items. */
#ifndef NGXMEM_READ_STREAM_H
#define NGXMEM_READ_STREAM_H

#include "mem_reader.h"
#include "read_ahead.h"

enum { READ_STREAM_PIECE = 1 << 20, READ_STREAM_ITEMS = 8192 };

/* The next item to read: its address, length and a word of the caller's;
 * false when there are no more. An item longer than a piece is not read:
 * it comes back in its place with no bytes (the caller reads it itself). */
typedef bool (*read_next_fn)(void *arg, uint64_t *addr, uint64_t *len, uint64_t *tag);

struct read_item {
    uint64_t addr, len, tag;
    size_t at;                   /* its bytes in the piece's buffer */
    uint32_t span;
};

struct read_piece {
    uint8_t *buf;
    struct read_item *items;
    struct mem_span *spans;
    size_t nitems, nspans, used, taken;
    bool sent, big;              /* big: it ends with an item it cannot hold */
};

struct read_stream {
    const struct mem_reader *m;
    struct read_ahead ahead;
    bool helper, done;
    uint64_t gap;                /* items at most this far apart: one span */
    read_next_fn next;
    void *arg;
    struct read_piece piece[2];
    int cur;                     /* the piece items are taken from */
    uint8_t *alone;              /* an item of a span that failed, read alone */
    bool have_next;              /* an item next gave that waits for room */
    struct read_item waiting;
};

/* Read through M (its concurrent reader by the helper, when it has one).
 * False when memory runs out (nothing to release then). */
bool read_stream_init(struct read_stream *s, const struct mem_reader *m);
void read_stream_free(struct read_stream *s);

/* Items from NEXT(ARG) from now on, spans closing gaps of at most GAP
 * bytes between them. */
void read_stream_begin(struct read_stream *s, uint64_t gap, read_next_fn next, void *arg);

/* The next item, in order (its address, length and tag), and its bytes
 * in *P: NULL when they cannot be read, or when it is longer than a
 * piece; NULL at the end. Item and bytes stay until the next call. */
const struct read_item *read_stream_get(struct read_stream *s, const uint8_t **p);

#endif
