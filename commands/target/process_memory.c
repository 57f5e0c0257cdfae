#define _GNU_SOURCE
#include "process_memory.h"

#include <errno.h>
#include <sys/uio.h>

enum { SPANS_PER_CALL = 1024 };   /* IOV_MAX */

/* Spans [FROM, FROM + N) in one call: how many were read whole, from the
 * first (the kernel stops at the first it cannot read and never splits
 * one); -1 with errno when the call failed before reading anything. */
static long read_run(pid_t pid, struct mem_span *spans, size_t n)
{
    struct iovec local[SPANS_PER_CALL], remote[SPANS_PER_CALL];
    for (size_t i = 0; i < n; i++) {
        local[i] = (struct iovec){ spans[i].buf, spans[i].len };
        remote[i] = (struct iovec){ (void *)(uintptr_t)spans[i].addr, spans[i].len };
    }
    ssize_t got = process_vm_readv(pid, local, n, remote, n, 0);
    if (got < 0)
        return -1;
    size_t whole = 0;
    for (size_t sum = 0; whole < n && sum + spans[whole].len <= (size_t)got; whole++)
        sum += spans[whole].len;
    return (long)whole;
}

bool process_read_spans(pid_t pid, struct mem_span *spans, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = n - i < SPANS_PER_CALL ? n - i : SPANS_PER_CALL;
        long whole = read_run(pid, spans + i, run);
        if (whole < 0) {
            if (errno != EFAULT && i == 0)
                return false;     /* not usable here: the caller reads */
            whole = 0;            /* the first span is unreadable */
        }
        for (long k = 0; k < whole; k++)
            spans[i + k].ok = true;
        i += (size_t)whole;
        if (i < n && (size_t)whole < run)
            spans[i++].ok = false;   /* where the kernel stopped */
    }
    return true;
}

int process_read(void *pid, uint64_t addr, void *buf, size_t len)
{
    struct mem_span span = { addr, buf, len, false };
    return process_read_spans(*(pid_t *)pid, &span, 1) && span.ok ? 0 : -1;
}

bool process_read_spans_of(void *pid, struct mem_span *spans, size_t n)
{
    return process_read_spans(*(pid_t *)pid, spans, n);
}
