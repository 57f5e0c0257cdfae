/* Holding still every other process that maps a shared zone while it is
 * read, so the read is consistent (ngx-lua-shdict / ngx-shm-slabs
 * --consistent). A helper process, not GDB's child, ptrace-seizes and
 * interrupts them and keeps them until our end of a pipe closes: when the
 * read is done, on Ctrl-C, or if GDB itself dies (the kernel then detaches
 * them and they run on). GDB's own tracee is not touched. */
#ifndef NGXMEM_PROCESS_HOLD_H
#define NGXMEM_PROCESS_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum { HOLD_MAX = 256 };

struct process_hold {
    int release_fd;              /* -1: nothing held */
    int held;
    struct timespec since;
};

/* The processes other than INFERIOR that map the same shared memory as
 * INFERIOR does at ADDR (same device and inode). Returns how many. */
int hold_find_sharers(pid_t inferior, uint64_t addr, pid_t *out, int max);

/* Stop PIDS; false with WHY if the helper could not hold them all. */
bool hold_start(struct process_hold *h, const pid_t *pids, int n, char *why, size_t whylen);

/* Let them run again; returns how long they were held, in ms. Safe to
 * call twice, and as a cleanup. */
double hold_release(struct process_hold *h);

#endif
