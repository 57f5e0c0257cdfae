/* What every glibc command does first: open the inferior's heap through
 * GDB, with all state owned by one object released by a cleanup. */
#ifndef NGXMEM_GLIBC_SESSION_H
#define NGXMEM_GLIBC_SESSION_H

#include "command_def.h"
#include "gdb_reader.h"
#include "glibc_heap.h"
#include "glibc_stats.h"
#include "result.h"

struct glibc_session {
    struct gdb_reader_state progress;
    struct mem_reader reader;
    struct glibc_heap heap;
    struct glibc_stats_walk stats;
    bool opened, stats_begun;
    struct parsed_options opts;
};

void glibc_session_release(struct glibc_session *s);
#define GLIBC_SESSION struct glibc_session __attribute__((cleanup(glibc_session_release)))

/* Parse ARGS against D and set up the GDB reader (raises when there is no
 * process or core); false when ARGS asked for --help (printed). */
bool glibc_session_begin(struct glibc_session *s, const struct command_def *d, const char *args);

/* Open the heap with glibc_heap_open FLAGS; false + ERR when the inferior's
 * glibc heap cannot be analysed (for commands to which it is optional). */
bool glibc_session_try_heap(struct glibc_session *s, unsigned flags, char *err, size_t errlen);

/* glibc_session_begin, then the heap (raises a GDB error on failure). */
bool glibc_session_open(struct glibc_session *s, const struct command_def *d, const char *args,
                        unsigned flags);

/* --arena VALUE: "all" (-1), an index, "main", or an arena address. */
#define ARENA_OPTION { "--arena", OPT_TEXT, "all|main|N|ADDR", 0, 0 }
int glibc_session_arena(struct glibc_session *s, const char *cmd);

/* Walk ARENA (-1 all) into s->stats (raises on corrupt heaps). */
void glibc_session_walk_stats(struct glibc_session *s, const char *cmd, int arena);
/* The same walk handing every chunk also to the analyses in ALSO. */
void glibc_session_walk_stats_with(struct glibc_session *s, const char *cmd, int arena,
                                   const struct chunk_fanout *also);


/* How the heap was found (a --verbose block "glibc": version, main_arena,
 * how it was found, tcache key), and the notes and warnings collected
 * while opening and walking it. */
void glibc_session_describe(struct glibc_session *s, struct result *r);

#endif
