/* A growing text buffer: renderers write a whole result here before any
 * of it is printed. Out of memory is sticky and checked once at the end. */
#ifndef NGXMEM_OUT_BUF_H
#define NGXMEM_OUT_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct out_buf {
    char *s;
    size_t len, cap;
    bool failed;
};

void out_printf(struct out_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_putn(struct out_buf *o, const char *s, size_t n);
void out_puts(struct out_buf *o, const char *s);
void out_pad(struct out_buf *o, char c, size_t n);
void out_release(struct out_buf *o);
#define OUT_BUF struct out_buf __attribute__((cleanup(out_release)))

#endif
