/* A helper thread that reads the next stretch of memory while the caller
 * works on the one it has: a walk of a stopped process then costs the
 * larger of its reading and its parsing, not their sum (the kernel's copy
 * runs on the other core). One request at a time; the reader it uses must
 * be one another thread may call (mem_reader.concurrent_reader). */
#ifndef NGXMEM_READ_AHEAD_H
#define NGXMEM_READ_AHEAD_H

#include "mem_reader.h"

#include <pthread.h>

struct read_ahead {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct mem_reader reader;
    enum { AHEAD_IDLE, AHEAD_REQUESTED, AHEAD_DONE, AHEAD_QUIT } state;
    uint64_t addr;
    void *buf;
    size_t len;
    struct mem_span *spans;      /* a request of spans; NULL: of ADDR */
    size_t nspans;
    int rc;
};

/* False if no thread can be started (then read as before). */
bool read_ahead_start(struct read_ahead *r, const struct mem_reader *reader);
/* Have LEN bytes at ADDR read into BUF, which the helper owns until
 * read_ahead_wait returns. Only when no request is outstanding. */
void read_ahead_request(struct read_ahead *r, uint64_t addr, void *buf, size_t len);
/* Have SPANS[0..N) read (mem_read_spans: each one's ok set), likewise. */
void read_ahead_request_spans(struct read_ahead *r, struct mem_span *spans, size_t n);
/* Wait for the outstanding request: the read's result, 0 when whole. */
int read_ahead_wait(struct read_ahead *r);
/* Wait for any request, end the thread. */
void read_ahead_stop(struct read_ahead *r);

#endif
