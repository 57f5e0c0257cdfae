/* The mem_reader of the live GDB session (through the host API). */
#ifndef NGXMEM_GDB_READER_H
#define NGXMEM_GDB_READER_H

#include "mem_reader.h"

#include <sys/types.h>
#include <time.h>

struct gdb_reader_state {
    struct timespec started;
    bool progress_shown;
    const char *what;       /* the command, for progress and errors */
    int target;             /* for quiet_extent: 0 not looked at yet, 1 a live
                             * process (pid), 2 a core, 3 neither */
    pid_t pid;
    uint64_t quiet_lo, quiet_hi;  /* the private anonymous mapping last found */
};

/* Raises a GDB error when there is no process or core to read. */
struct mem_reader gdb_reader(struct gdb_reader_state *s, const char *what);
/* Finish the progress line, if one was shown. */
void gdb_reader_done(struct gdb_reader_state *s);

#endif
