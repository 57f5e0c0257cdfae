/* Anchors: how to find a GDB internal in a stripped GDB by following a
 * reference to a known string in GDB's own code. Supporting another GDB
 * build means adding rows to anchor_table.c. */
#ifndef NGXMEM_ANCHOR_TABLE_H
#define NGXMEM_ANCHOR_TABLE_H

#include <stddef.h>

enum anchor_rule {
    /* The NTH direct call (or tail jump to a function entry) after the
     * instruction that loads the string, skipping calls into the PLT
     * (gettext and other library functions). */
    RULE_CALL_AFTER,
    /* The NTH direct call before it, in the same function. */
    RULE_CALL_BEFORE,
    /* The last direct call before the conditional jump that leads to the
     * block loading the string: "if (f (...)) { ...string... }". */
    RULE_CALL_BEFORE_BRANCH,
    /* Not a function: the string whose address is in ARG_REG at the first
     * direct call after the load (used for GDB's version strings). */
    RULE_STRING_ARG,
    /* "print (gdb_stderr, string)": the first call after the load whose
     * first argument is the result of the call just before it. A row
     * (target GI_FPRINTF) gives two internals from one site: GI_FPRINTF,
     * that printing call, and GI_STDERR, the stream call, whose form
     * (pointer or stream) the %rdi set-up between them tells. */
    RULE_STREAM_PRINT,
    /* "c = add_cmd (..., string, ...); set_cmd_completer (c, f)": the
     * function F whose address is loaded into %rsi for the NTH call after
     * the string, and in F the first tail jump out (the call a one-line
     * completer ends with, e.g. complete_on_enum). */
    RULE_REGISTERED_TAIL,
};

struct anchor {
    int target;              /* enum gdb_internal_id, or ANCHOR_VERSION_* */
    int gdb_min, gdb_max;    /* GDB major versions the row applies to
                                (0: also when the version is unknown) */
    const char *string;      /* exact string in .rodata */
    const char *string_reg;  /* register it is loaded into; NULL: any */
    enum anchor_rule rule;
    int nth;
    const char *arg_reg;     /* RULE_STRING_ARG only */
    const char *origin;      /* source file of the reference, for humans */
};

enum { ANCHOR_VERSION = 100, ANCHOR_PKGVERSION = 101 };

extern const struct anchor anchor_table[];
extern const size_t anchor_table_len;

#endif
