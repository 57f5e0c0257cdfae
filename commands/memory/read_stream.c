#include "read_stream.h"

#include <stdlib.h>
#include <string.h>

static bool piece_alloc(struct read_piece *p)
{
    p->buf = malloc(READ_STREAM_PIECE);
    p->items = malloc(READ_STREAM_ITEMS * sizeof *p->items);
    p->spans = malloc(READ_STREAM_ITEMS * sizeof *p->spans);
    return p->buf && p->items && p->spans;
}

static void piece_free(struct read_piece *p)
{
    free(p->buf);
    free(p->items);
    free(p->spans);
}

bool read_stream_init(struct read_stream *s, const struct mem_reader *m)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    s->alone = malloc(READ_STREAM_PIECE);
    if (!piece_alloc(&s->piece[0]) || !piece_alloc(&s->piece[1]) || !s->alone) {
        read_stream_free(s);
        return false;
    }
    struct mem_reader direct;
    s->helper = mem_concurrent_reader(m, &direct) && read_ahead_start(&s->ahead, &direct);
    return true;
}

void read_stream_free(struct read_stream *s)
{
    if (s->helper)
        read_ahead_stop(&s->ahead);
    piece_free(&s->piece[0]);
    piece_free(&s->piece[1]);
    free(s->alone);
    memset(s, 0, sizeof *s);
}

/* Piece P's items from NEXT, as many as it holds: each written where it
 * goes, the one that does not fit kept for the next piece. */
static void fill(struct read_stream *s, struct read_piece *p)
{
    p->nitems = p->nspans = p->used = p->taken = 0;
    if (s->have_next)
        p->items[0] = s->waiting;
    while (p->nitems < READ_STREAM_ITEMS) {
        struct read_item *it = &p->items[p->nitems];
        if (!s->have_next && (s->done || !s->next(s->arg, &it->addr, &it->len, &it->tag))) {
            s->done = true;
            return;
        }
        s->have_next = false;
        if (it->len > READ_STREAM_PIECE) {
            /* its caller's to read: after the items before it */
            it->span = UINT32_MAX;
            p->nitems++;
            return;
        }
        struct mem_span *last = p->nspans ? &p->spans[p->nspans - 1] : NULL;
        uint64_t last_end = last ? last->addr + last->len : 0;
        if (last && it->addr >= last_end && it->addr - last_end <= s->gap) {
            uint64_t grow = it->addr + it->len - last_end;
            if (p->used + grow > READ_STREAM_PIECE)
                break;
            it->at = p->used + (size_t)(it->addr - last_end);
            last->len += (size_t)grow;
            p->used += (size_t)grow;
        } else {
            /* aligned as malloc's: words of the bytes as their addresses */
            size_t at = (p->used + 15) & ~(size_t)15;
            if (at + it->len > READ_STREAM_PIECE)
                break;
            it->at = at;
            p->spans[p->nspans++] = (struct mem_span){ it->addr, p->buf + at, (size_t)it->len,
                                                       false };
            p->used = at + (size_t)it->len;
        }
        it->span = (uint32_t)(p->nspans - 1);
        p->nitems++;
    }
    if (p->nitems < READ_STREAM_ITEMS) {
        /* no room for it: the next piece's first */
        s->waiting = p->items[p->nitems];
        s->have_next = true;
    }
}

/* Read piece P: by the helper (read_stream_get waits for it), or now. */
static void send(struct read_stream *s, struct read_piece *p)
{
    p->sent = s->helper && p->nspans;
    if (p->sent)
        read_ahead_request_spans(&s->ahead, p->spans, p->nspans);
    else if (p->nspans)
        mem_read_spans(s->m, p->spans, p->nspans);
}

void read_stream_begin(struct read_stream *s, uint64_t gap, read_next_fn next, void *arg)
{
    for (int k = 0; k < 2; k++)
        if (s->piece[k].sent) {   /* a stream left before its end */
            read_ahead_wait(&s->ahead);
            s->piece[k].sent = false;
        }
    s->gap = gap;
    s->next = next;
    s->arg = arg;
    s->done = s->have_next = false;
    fill(s, &s->piece[0]);
    send(s, &s->piece[0]);
    /* the first read_stream_get takes piece 0 */
    s->cur = 1;
    s->piece[1].nitems = s->piece[1].taken = 0;
}

const struct read_item *read_stream_get(struct read_stream *s, const uint8_t **p)
{
    struct read_piece *c = &s->piece[s->cur];
    if (c->taken == c->nitems) {
        struct read_piece *o = &s->piece[!s->cur];
        if (o->sent)
            read_ahead_wait(&s->ahead);
        o->sent = false;
        /* the one after it is read while the caller works on it */
        fill(s, c);
        send(s, c);
        s->cur = !s->cur;
        c = o;
        if (!c->nitems)
            return NULL;
    }
    const struct read_item *it = &c->items[c->taken++];
    if (it->span == UINT32_MAX)
        *p = NULL;
    else if (c->spans[it->span].ok)
        *p = c->buf + it->at;
    else   /* the span failed as a whole: this item alone */
        *p = mem_read(s->m, it->addr, s->alone, (size_t)it->len) == 0 ? s->alone : NULL;
    return it;
}
