/* The mem_reader of the live GDB session (through the host API). */
#ifndef NGXMEM_GDB_READER_H
#define NGXMEM_GDB_READER_H

#include "elf_dynsym.h"
#include "mem_reader.h"

#include <sys/types.h>
#include <time.h>

struct gdb_reader_state {
    struct timespec started;
    bool progress_shown;
    bool progress_tty;            /* stderr is a terminal: progress may show */
    double progress_after;        /* seconds into a walk */
    const char *what;       /* the command, for progress and errors */
    /* for quiet_extent and symbol, looked at on first use */
    enum { TARGET_UNKNOWN, TARGET_LIVE, TARGET_CORE, TARGET_NEITHER } target;
    pid_t pid;                    /* TARGET_LIVE: the first traced process */
    int ntraced;                  /* processes GDB traces */
    char core[4096];              /* TARGET_CORE */
    uint64_t quiet_lo, quiet_hi;  /* the private anonymous mapping last found */
    enum { SPANS_UNKNOWN, SPANS_PROCESS, SPANS_NONE } spans;   /* read_spans */
    enum { DYNSYM_UNKNOWN, DYNSYM_LOADED, DYNSYM_NONE } dynsym_state;
    struct dynsym_table dynsym;
};

/* Raises a GDB error when there is no process or core to read. */
struct mem_reader gdb_reader(struct gdb_reader_state *s, const char *what);
/* Finish the progress line, if one was shown. */
void gdb_reader_done(struct gdb_reader_state *s);

#endif
