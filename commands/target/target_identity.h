/* Which process or core GDB is looking at, for the JSON envelope's
 * "target": a live process GDB traces (its pid and executable), or a core
 * file GDB has open (its path, and the executable named in its NT_FILE
 * note). Learned from /proc, not from GDB: nothing in GDB is needed. */
#ifndef NGXMEM_TARGET_IDENTITY_H
#define NGXMEM_TARGET_IDENTITY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct target_identity {
    pid_t pid;                   /* 0: no live process traced by us */
    char core[PATH_MAX];         /* "" unless a core file is open */
    char executable[PATH_MAX];   /* "" when unknown */
};

void target_identify(struct target_identity *t);

/* The core file this process (GDB) holds open: true and its path. */
bool target_open_core(char *path, size_t len);

/* A numeric field of /proc/PID/status ("PPid", "TracerPid"), -1 if absent. */
long proc_status_field(pid_t pid, const char *field);

/* The process this process traces (the first found), or 0. */
pid_t target_traced_pid(void);
/* The same, and (COUNT) how many processes this process traces. */
pid_t target_traced_pids(int *count);

#endif
