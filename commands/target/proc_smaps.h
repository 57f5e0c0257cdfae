/* A live process's mappings as the kernel accounts them
 * (/proc/PID/smaps): the resident figures of the memory breakdown come
 * from here, never from reading the pages. */
#ifndef NGXMEM_PROC_SMAPS_H
#define NGXMEM_PROC_SMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct smaps_mapping {
    uint64_t start, end;
    char perms[5];            /* "rw-p" */
    uint64_t inode;
    char path[160];           /* "" for anonymous; "[heap]", "[stack]"... */
    uint64_t rss, pss, private_bytes, shared_bytes, swap;
};

struct smaps {
    struct smaps_mapping *m;
    size_t n, cap;
};

/* Read every mapping of PID (the kernel caps their number at
 * vm.max_map_count). False + WHY when smaps cannot be read. */
bool smaps_read(pid_t pid, struct smaps *s, char *why, size_t whylen);
void smaps_release(struct smaps *s);
/* Append M (mappings in address order); NULL when there are too many. */
struct smaps_mapping *smaps_add(struct smaps *s, const struct smaps_mapping *m);

/* Is ADDR in a readable private anonymous mapping of PID (brk heap or
 * mmap(MAP_PRIVATE | MAP_ANONYMOUS))? Then it is [*lo, *hi); otherwise
 * *lo and *hi are left as they were. */
bool proc_private_anonymous(pid_t pid, uint64_t addr, uint64_t *lo, uint64_t *hi);

/* The stack pointers of PID's stopped threads (/proc/PID/task/TID/syscall:
 * "... sp pc"), at most MAX; how many. */
int proc_thread_sps(pid_t pid, uint64_t *sp, int max);

/* /proc/PID/smaps_rollup's Rss and Pss in bytes; false if unreadable. */
bool smaps_rollup(pid_t pid, uint64_t *rss, uint64_t *pss);

#endif
