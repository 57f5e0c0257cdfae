/* Which pages of a shared memory zone are in RAM, without touching them.
 * For a live process on this machine: mincore() on our own read-only
 * mapping of /proc/PID/map_files/START-END (the zone's shmem object: true
 * residency, whichever process touched the page); without permission,
 * the union of /proc/PID/pagemap over the process and its siblings and
 * parent (pages mapped into one of them). */
#ifndef NGXMEM_SHM_RESIDENCY_H
#define NGXMEM_SHM_RESIDENCY_H

#include "mem_reader.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum residency_method { RES_MINCORE, RES_PAGEMAP, RES_CORE_NONZERO, RES_UNAVAILABLE };

/* Is PID a process this GDB (our own process) is tracing? */
bool residency_is_our_tracee(pid_t pid);

/* Does this process (GDB) hold a core file open? */
bool residency_gdb_has_core_open(void);

/* Fill RESIDENT (one byte per page, 1 = in RAM) for [ADDR, ADDR+LEN) of
 * live process PID. Returns the method used, or RES_UNAVAILABLE with a
 * reason in WHY. */
enum residency_method residency_live(pid_t pid, uint64_t addr, uint64_t len, uint64_t pagesize,
                                     unsigned char *resident, char *why, size_t whylen);

/* The inspected nginx process's pid (ngx_pid), 0 if unknown. */
pid_t residency_nginx_pid(const struct mem_reader *m);

/* What GDB reads: a live process it traces on this machine, a core file,
 * or anything else (remote), whose pages must not be touched. */
enum residency_source { SOURCE_LIVE, SOURCE_CORE, SOURCE_REMOTE };
enum residency_source residency_source_of(pid_t pid);

/* Does memory really exist at [ADDR, ADDR+LEN)? A size read from the
 * inferior must not size our work beyond it. SOURCE_LIVE: inside one
 * mapping of /proc/PID/maps (no page touched); SOURCE_CORE: its last byte
 * readable through M; SOURCE_REMOTE: not checked (that would load a page
 * there). False with WHY otherwise. */
bool residency_range_backed(const struct mem_reader *m, pid_t pid, enum residency_source src,
                            uint64_t addr, uint64_t len, char *why, size_t whylen);

#endif
