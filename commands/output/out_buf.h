/* A growing text buffer the renderers write into: whole (for a file), or
 * streamed to a sink in pieces (for GDB's output). Out of memory is sticky
 * and checked once at the end. */
#ifndef NGXMEM_OUT_BUF_H
#define NGXMEM_OUT_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct out_buf {
    char *s;
    size_t len, cap;
    bool failed;
    /* Streaming: when set, what is written goes to SINK in pieces of about
     * OUT_SINK_PIECE bytes (whole writes; out_flush sends the rest), so a
     * long listing never sits whole in memory. */
    void (*sink)(void *arg, const char *s, size_t n);
    void *sink_arg;
};

enum { OUT_SINK_PIECE = 1 << 16 };

void out_printf(struct out_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_putn(struct out_buf *o, const char *s, size_t n);
void out_puts(struct out_buf *o, const char *s);
void out_pad(struct out_buf *o, char c, size_t n);
void out_release(struct out_buf *o);
/* Send what is buffered to the sink (nothing without one). */
void out_flush(struct out_buf *o);
#define OUT_BUF struct out_buf __attribute__((cleanup(out_release)))

#endif
