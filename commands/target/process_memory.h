/* Reading a live process's memory many spans at a time, with
 * process_vm_readv: the process is stopped under GDB's ptrace, so it is
 * what GDB's own read of /proc/PID/mem sees, in a call per 1024 spans. */
#ifndef NGXMEM_PROCESS_MEMORY_H
#define NGXMEM_PROCESS_MEMORY_H

#include "mem_reader.h"

#include <sys/types.h>

/* Read each span, setting its ok. False when the call cannot be used at
 * all (not permitted, not supported): then nothing was read. */
bool process_read_spans(pid_t pid, struct mem_span *spans, size_t n);
/* A mem_reader of process *PID (CTX) by process_vm_readv: it shares no
 * state, so another thread may read with it. */
int process_read(void *pid, uint64_t addr, void *buf, size_t len);
/* Its spans (a mem_reader's read_spans, CTX as above). */
bool process_read_spans_of(void *pid, struct mem_span *spans, size_t n);

#endif
