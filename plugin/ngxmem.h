/* The ngxmem host API: everything a command may use of GDB.
 *
 * Commands never touch GDB internals directly; they go through these
 * functions so that the analysis code stays testable without GDB.
 * Functions marked "raises" leave by a GDB exception (like GDB's own
 * error()); C callers must not hold resources across them unless they are
 * released by __attribute__((cleanup)) (the plugin is built -fexceptions). */
#ifndef NGXMEM_H
#define NGXMEM_H

#include <stddef.h>
#include <stdint.h>

typedef void (*ngxmem_command_fn)(const char *args, int from_tty);

/* Register a top-level command. NAME and HELP must stay valid for the
 * life of the process (string literals). First line of HELP is the
 * one-line summary GDB shows in "help data". Returns 0, or -1 if the
 * host is not ready. */
int ngxmem_register_command(const char *name, ngxmem_command_fn fn,
                            const char *help);

/* TAB completion of NAME's arguments offers WORDS (its options, from the
 * command's option table; N of them, each valid for the life of the
 * process), never one already given. Returns 0, or -1 if NAME is not
 * registered. */
int ngxmem_set_completion_words(const char *name, const char *const *words, int n);

/* A command with a named value (a zone) also registers FN,
 * which fills OUT with up to MAX names (each shorter than
 * NGXMEM_VALUE_MAX) and returns how many. FN runs while the user presses
 * TAB: a GDB error it raises just means no values. Returns 0, or -1 if
 * NAME is not registered. */
enum { NGXMEM_VALUE_MAX = 64 };
typedef int (*ngxmem_values_fn)(char (*out)[NGXMEM_VALUE_MAX], int max);
int ngxmem_set_value_completer(const char *name, ngxmem_values_fn fn);

/* The HELP a command was registered with, or NULL. */
const char *ngxmem_command_help(const char *name);

/* Print to GDB's stdout: paging, "set logging" and "pipe" all see it.
 * May raise a quit when the user answers "q" at the pager prompt. */
void ngxmem_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print to GDB's stderr (progress, warnings): not captured by "pipe". */
void ngxmem_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Raise a GDB error with this message. A "-batch -x" script stops here. */
_Noreturn void ngxmem_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Read LEN bytes of target memory (live process, core, remote: whatever
 * GDB's current target is). Returns 0 on success, non-zero (errno-like)
 * on failure; never raises. Large reads are split internally so Ctrl-C
 * stays responsive, and each split polls for it (which may raise quit). */
int ngxmem_read_memory(uint64_t addr, void *buf, size_t len);

/* Evaluate an expression in the current frame/inferior as an address
 * (GDB's value_as_address: integers keep their bits) (raises). */
uint64_t ngxmem_eval_address(const char *expr);

/* Non-raising form: 0 on success; otherwise -1 with GDB's message in ERR.
 * A Ctrl-C (quit) still raises: the user asked to stop. */
int ngxmem_try_eval_address(const char *expr, uint64_t *out, char *err,
                            size_t errlen);

/* Raise a quit if the user pressed Ctrl-C. Call it in long loops. */
void ngxmem_check_quit(void);

/* Version of the GDB we run in (e.g. 13, 1), 0 when unknown. */
int ngxmem_gdb_major(void);
int ngxmem_gdb_minor(void);

#endif
