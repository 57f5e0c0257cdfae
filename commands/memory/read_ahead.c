#include "read_ahead.h"

#include <signal.h>

static void *read_ahead_main(void *arg)
{
    struct read_ahead *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (r->state != AHEAD_REQUESTED && r->state != AHEAD_QUIT)
            pthread_cond_wait(&r->changed, &r->lock);
        if (r->state == AHEAD_QUIT)
            break;
        uint64_t addr = r->addr;
        void *buf = r->buf;
        size_t len = r->len, nspans = r->nspans;
        struct mem_span *spans = r->spans;
        pthread_mutex_unlock(&r->lock);
        int rc = 0;
        if (spans)
            mem_read_spans(&r->reader, spans, nspans);
        else
            rc = mem_read(&r->reader, addr, buf, len);
        pthread_mutex_lock(&r->lock);
        r->rc = rc;
        r->state = AHEAD_DONE;
        pthread_cond_broadcast(&r->changed);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

bool read_ahead_start(struct read_ahead *r, const struct mem_reader *reader)
{
    r->reader = *reader;
    r->state = AHEAD_IDLE;
    if (pthread_mutex_init(&r->lock, NULL) != 0)
        return false;
    if (pthread_cond_init(&r->changed, NULL) != 0) {
        pthread_mutex_destroy(&r->lock);
        return false;
    }
    /* the helper takes no signals: Ctrl-C stays GDB's main thread's */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&r->thread, NULL, read_ahead_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&r->changed);
        pthread_mutex_destroy(&r->lock);
        return false;
    }
    return true;
}

static void request(struct read_ahead *r, uint64_t addr, void *buf, size_t len,
                    struct mem_span *spans, size_t n)
{
    pthread_mutex_lock(&r->lock);
    r->addr = addr;
    r->buf = buf;
    r->len = len;
    r->spans = spans;
    r->nspans = n;
    r->state = AHEAD_REQUESTED;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

void read_ahead_request(struct read_ahead *r, uint64_t addr, void *buf, size_t len)
{
    request(r, addr, buf, len, NULL, 0);
}

void read_ahead_request_spans(struct read_ahead *r, struct mem_span *spans, size_t n)
{
    request(r, 0, NULL, 0, spans, n);
}

int read_ahead_wait(struct read_ahead *r)
{
    pthread_mutex_lock(&r->lock);
    while (r->state == AHEAD_REQUESTED)
        pthread_cond_wait(&r->changed, &r->lock);
    int rc = r->state == AHEAD_DONE ? r->rc : -1;
    r->state = AHEAD_IDLE;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

void read_ahead_stop(struct read_ahead *r)
{
    read_ahead_wait(r);
    pthread_mutex_lock(&r->lock);
    r->state = AHEAD_QUIT;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->changed);
    pthread_mutex_destroy(&r->lock);
}
