/* The auxiliary vector the kernel gave a process: {type, value} pairs up
 * to AT_NULL, from /proc/PID/auxv or a core's NT_AUXV note. */
#ifndef NGXMEM_AUXV_H
#define NGXMEM_AUXV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* VALUES[i] of TYPES[i] (AT_PHDR, ...) for i < N, from the pairs in DATA
 * (SIZE bytes): true when every one was there. */
bool auxv_values(const void *data, size_t size, const uint64_t *types, uint64_t *values,
                 int n);

/* The same from /proc/PID/auxv. */
bool proc_auxv_values(pid_t pid, const uint64_t *types, uint64_t *values, int n);

#endif
