#include "anchor_table.h"
#include "gdb_internals.h"

/* Verified on Debian GDB 13.1 (gdb and gdb-minimal) and on GDB 13.1 built
 * from gdb-source with symbols (the resolver truth test). Rows for other
 * versions come from reading their sources and are checked at run time
 * like every other result (function entry per .eh_frame, rows agree). */
const struct anchor anchor_table[] = {
    /* Version strings: print_gdb_version's string_printf ("GNU gdb %s%s",
     * PKGVERSION, version). */
    { ANCHOR_VERSION, 10, 99, "GNU gdb %s%s", "%rsi", RULE_STRING_ARG, 1,
      "%rcx", "top.c print_gdb_version" },
    { ANCHOR_PKGVERSION, 10, 99, "GNU gdb %s%s", "%rsi", RULE_STRING_ARG, 1,
      "%rdx", "top.c print_gdb_version" },

    { GI_ADD_COM, 10, 99, "jit-reader-load", "%rdi", RULE_CALL_AFTER, 1,
      NULL, "jit.c _initialize_jit" },
    { GI_ADD_COM, 10, 99, "jit-reader-unload", "%rdi", RULE_CALL_AFTER, 1,
      NULL, "jit.c _initialize_jit" },

    { GI_ERROR, 10, 99, "No reader name provided.", NULL, RULE_CALL_AFTER, 1,
      NULL, "jit.c jit_reader_load_command" },
    { GI_ERROR, 10, 99, "No JIT reader loaded.", NULL, RULE_CALL_AFTER, 1,
      NULL, "jit.c jit_reader_unload_command" },

    /* gdb_printf (_("Statistics for '%s':\n"), ...) after QUIT. */
    { GI_PRINTF, 13, 99, "Statistics for '%s':\n", NULL, RULE_CALL_AFTER, 1,
      NULL, "symmisc.c print_objfile_statistics" },
    { GI_PRINTF, 13, 99, "Scope for %s:\n", "%rdi", RULE_CALL_AFTER, 1,
      NULL, "tracepoint.c info_scope_command" },
    { GI_PRINTF, 10, 12, "Scope for %s:\n", "%rdi", RULE_CALL_AFTER, 1,
      NULL, "tracepoint.c info_scope_command (printf_filtered)" },

    /* gdb_printf (gdb_stderr, _("Unable to read JIT descriptor ...")). */
    { GI_STDERR_PTR, 13, 99,
      "Unable to read JIT descriptor from remote memory\n", NULL,
      RULE_CALL_AFTER, 1, NULL, "jit.c jit_read_descriptor" },
    { GI_FPRINTF, 13, 99,
      "Unable to read JIT descriptor from remote memory\n", NULL,
      RULE_CALL_AFTER, 2, NULL, "jit.c jit_read_descriptor" },
    { GI_FPRINTF, 13, 99, "    `%s'", "%rsi", RULE_CALL_AFTER, 1, NULL,
      "psymtab.c print_partial_symbols" },

    /* err = target_read_memory (...); if (err) <use string>. */
    { GI_TARGET_READ_MEMORY, 10, 99,
      "Unable to read JIT descriptor from remote memory\n", NULL,
      RULE_CALL_BEFORE_BRANCH, 1, NULL, "jit.c jit_read_descriptor" },
    { GI_TARGET_READ_MEMORY, 10, 99,
      "Unable to read JIT code entry from remote memory!", NULL,
      RULE_CALL_BEFORE_BRANCH, 1, NULL, "jit.c jit_read_code_entry" },

    { GI_PARSE_AND_EVAL_ADDRESS, 10, 99, "e.full_name", "%rdi",
      RULE_CALL_AFTER, 1, NULL, "ada-lang.c ada_exception_name_addr" },
    { GI_PARSE_AND_EVAL_ADDRESS, 10, 99, "id.full_name", "%rdi",
      RULE_CALL_AFTER, 1, NULL, "ada-lang.c ada_exception_name_addr_1" },

    { GI_PARSE_AND_EVAL_LONG, 10, 99, "$_siginfo.si_code\n", "%rdi",
      RULE_CALL_AFTER, 1, NULL, "i386-linux-tdep.c i386_linux_report_signal_info" },
    { GI_PARSE_AND_EVAL_LONG, 10, 99, "$_siginfo._sifields._sigfault.si_addr",
      "%rdi", RULE_CALL_AFTER, 1, NULL, "i386-linux-tdep.c / aarch64-linux-tdep.c" },

    /* QUIT; immediately before printing in a loop. */
    { GI_MAYBE_QUIT, 10, 99, "Scope for %s:\n", "%rdi", RULE_CALL_BEFORE, 1,
      NULL, "tracepoint.c info_scope_command" },
    { GI_MAYBE_QUIT, 10, 99, "    `%s'", "%rsi", RULE_CALL_BEFORE, 1, NULL,
      "psymtab.c print_partial_symbols" },
};

const size_t anchor_table_len = sizeof anchor_table / sizeof anchor_table[0];
