/* What a core file says of the process it was made from, read with
 * libelf: its memory segments (PT_LOAD), the files that were mapped (the
 * NT_FILE note) and its auxiliary vector (NT_AUXV). Bounded by the file's
 * own sizes. */
#ifndef NGXMEM_CORE_FILE_H
#define NGXMEM_CORE_FILE_H

#include <stdbool.h>
#include <stdint.h>

struct core_segment {
    uint64_t start, end;         /* p_vaddr .. + p_memsz */
    uint64_t held;               /* the bytes the core holds: p_filesz, less what
                                  * lies past the end of a truncated file */
    uint64_t filesz;             /* p_filesz: what it says it holds */
    bool readable, writable, executable;
};

typedef void (*core_segment_fn)(void *arg, const struct core_segment *s);
/* NAME mapped at [START, END) from file OFFSET. */
typedef void (*core_file_fn)(void *arg, uint64_t start, uint64_t end, uint64_t offset,
                             const char *name);

/* Call SEGMENT (may be NULL) for every PT_LOAD and FILE (may be NULL) for
 * every NT_FILE entry of the core at PATH. False if it is not readable as
 * a core. */
bool core_file_read(const char *path, core_segment_fn segment, core_file_fn file, void *arg);

/* VALUES[i] of TYPES[i] (AT_PHDR, ...) for i < N from the core's
 * auxiliary vector (its NT_AUXV note): true when every one was there. */
bool core_file_auxv(const char *path, const uint64_t *types, uint64_t *values, int n);

/* Each thread's stack pointer from the core's NT_PRSTATUS notes (x86-64
 * registers), at most MAX; how many. */
int core_file_stack_pointers(const char *path, uint64_t *sp, int max);

#endif
