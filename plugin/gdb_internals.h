/* The GDB internals the host calls, and how each was found. */
#ifndef NGXMEM_GDB_INTERNALS_H
#define NGXMEM_GDB_INTERNALS_H

#include <stdint.h>
#include <sys/types.h>

enum gdb_internal_id {
    GI_ADD_COM,
    GI_ERROR,
    GI_PRINTF,              /* gdb_printf(fmt, ...) >= 13, printf_filtered <= 12 */
    GI_FPRINTF,             /* gdb_printf(stream, fmt, ...) >= 13,
                               fprintf_filtered <= 12 */
    GI_STDERR,              /* GDB's stderr stream: see enum stream_form */
    GI_TARGET_READ_MEMORY,
    GI_PARSE_AND_EVAL_ADDRESS,
    GI_MAYBE_QUIT,
    /* Optional: without them the commands work, only TAB completion of
     * their options and zone names does not. */
    GI_SET_CMD_COMPLETER,
    GI_COMPLETE_ON_ENUM,
    GI_COUNT
};

enum { GI_REQUIRED_COUNT = GI_SET_CMD_COMPLETER };

/* How GDB hands out its stderr stream. Up to GDB 16 the gdb_stderr macro
 * dereferences current_ui_gdb_stderr_ptr(); GDB 18 has
 * current_gdb_stderr(), which returns the stream itself. The form is read
 * off GDB's own code (or its symbol name), never guessed from the
 * version number. */
enum stream_form { STREAM_UNKNOWN, STREAM_POINTER, STREAM_VALUE };

enum found_how { FOUND_NOT, FOUND_SYMBOL, FOUND_ANCHOR };

struct gdb_internal {
    const char *name;        /* source-level name */
    uint64_t addr;           /* runtime address, 0 if not found */
    enum found_how how;
    int variant;             /* GI_STDERR: enum stream_form */
    char where[280];         /* human-readable: which symbol table / anchor */
    uint64_t anchor_site;    /* found by anchor: the lea of its first site (file address) */
    char rejected[160];      /* why a candidate failed verification, or "" */
};

/* C-compatible prototypes (x86-64 SysV; see notes/gdb-internals.md §2). */
struct cmd_list_element;
struct ui_file;
typedef void (*gdb_command_fn)(const char *args, int from_tty);
typedef struct cmd_list_element *(*add_com_fn)(const char *name, int cls,
                                               gdb_command_fn fn,
                                               const char *doc);
typedef void (*error_fn)(const char *fmt, ...);
typedef void (*printf_fn)(const char *fmt, ...);
typedef void (*fprintf_fn)(struct ui_file *stream, const char *fmt, ...);
typedef struct ui_file **(*stream_ptr_fn)(void);
typedef struct ui_file *(*stream_fn)(void);
typedef int (*target_read_memory_fn)(uint64_t addr, unsigned char *buf,
                                     ssize_t len);
typedef uint64_t (*parse_and_eval_address_fn)(const char *expr);
typedef void (*maybe_quit_fn)(void);
/* completer_ftype (cmd_list_element *, completion_tracker &, const char
 * *text, const char *word): the reference is a pointer in the ABI. */
struct completion_tracker;
typedef void (*completer_fn)(struct cmd_list_element *cmd,
                             struct completion_tracker *tracker,
                             const char *text, const char *word);
typedef void (*set_cmd_completer_fn)(struct cmd_list_element *cmd,
                                     completer_fn completer);
typedef void (*complete_on_enum_fn)(struct completion_tracker *tracker,
                                    const char *const *names,
                                    const char *text, const char *word);

extern struct gdb_internal gdb_internals[GI_COUNT];

/* Source-level name of internal ID (for GI_STDERR, of the form found). */
const char *gdb_internal_name(int id, int variant);

#define GDB_FN(id, type) ((type)(uintptr_t)gdb_internals[id].addr)

#endif
