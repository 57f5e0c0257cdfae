#include "anchor_table.h"
#include "gdb_internals.h"

/* Every row is checked against the symbol table of GDB 10.1, 13.1, 16.3
 * and 18.1 built from each Debian release's gdb-source (make
 * check-resolver-truth) and used on Debian's stripped gdb and gdb-minimal
 * of those releases. The strings are ones that lasted from GDB 10 to 18
 * (command names, long-lived messages), so the GDBs in between are
 * covered by anchors that hold on both sides of them. Results are then
 * verified (candidate_check.c) before anything is called. */
const struct anchor anchor_table[] = {
    /* Version strings, from print_gdb_version. GDB 13+:
     * string_printf ("GNU gdb %s%s", PKGVERSION, version); GDB 10-12:
     * fprintf_styled (stream, style, "GNU gdb %s%s\n", PKGVERSION, version). */
    { ANCHOR_VERSION, 0, 99, "GNU gdb %s%s", "%rsi", RULE_STRING_ARG, 1,
      "%rcx", "top.c print_gdb_version" },
    { ANCHOR_PKGVERSION, 0, 99, "GNU gdb %s%s", "%rsi", RULE_STRING_ARG, 1,
      "%rdx", "top.c print_gdb_version" },
    { ANCHOR_VERSION, 0, 99, "GNU gdb %s%s\n", "%rdx", RULE_STRING_ARG, 1,
      "%r8", "top.c print_gdb_version" },
    { ANCHOR_PKGVERSION, 0, 99, "GNU gdb %s%s\n", "%rdx", RULE_STRING_ARG, 1,
      "%rcx", "top.c print_gdb_version" },

    { GI_ADD_COM, 10, 99, "jit-reader-load", "%rdi", RULE_CALL_AFTER, 1,
      NULL, "jit.c _initialize_jit" },
    { GI_ADD_COM, 10, 99, "jit-reader-unload", "%rdi", RULE_CALL_AFTER, 1,
      NULL, "jit.c _initialize_jit" },

    { GI_ERROR, 10, 99, "No reader name provided.", NULL, RULE_CALL_AFTER, 1,
      NULL, "jit.c jit_reader_load_command" },
    { GI_ERROR, 10, 99, "No JIT reader loaded.", NULL, RULE_CALL_AFTER, 1,
      NULL, "jit.c jit_reader_unload_command" },

    /* printf_filtered (10-12) / gdb_printf (13+) ("Scope for %s:\n", ...)
     * right after QUIT. */
    { GI_PRINTF, 10, 99, "Scope for %s:\n", "%rdi", RULE_CALL_AFTER, 1,
      NULL, "tracepoint.c info_scope_command" },
    { GI_PRINTF, 13, 17, "Statistics for '%s':\n", NULL, RULE_CALL_AFTER, 1,
      NULL, "symmisc.c print_objfile_statistics" },

    /* fprintf_filtered / gdb_printf (gdb_stderr, "..."). */
    { GI_FPRINTF, 10, 99, "Can't fetch registers from this type of core file\n",
      NULL, RULE_STREAM_PRINT, 1, NULL, "corelow.c get_core_registers" },
    { GI_FPRINTF, 10, 99, "Invalid disassembler option value: '%s'.\n",
      NULL, RULE_STREAM_PRINT, 1, NULL, "disasm.c set_disassembler_options" },
    { GI_FPRINTF, 13, 99, "Unable to read JIT descriptor from remote memory\n",
      NULL, RULE_STREAM_PRINT, 1, NULL, "jit.c jit_read_descriptor" },
    { GI_FPRINTF, 10, 16, "    `%s'", "%rsi", RULE_CALL_AFTER, 1, NULL,
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

    /* QUIT; immediately before printing in a loop. */
    { GI_MAYBE_QUIT, 10, 99, "Scope for %s:\n", "%rdi", RULE_CALL_BEFORE, 1,
      NULL, "tracepoint.c info_scope_command" },
    { GI_MAYBE_QUIT, 10, 16, "    `%s'", "%rsi", RULE_CALL_BEFORE, 1, NULL,
      "psymtab.c print_partial_symbols" },

    /* c = add_com (...); set_cmd_completer (c, ...completer). */
    { GI_SET_CMD_COMPLETER, 10, 99, "jit-reader-load", "%rdi", RULE_CALL_AFTER,
      2, NULL, "jit.c _initialize_jit" },
    { GI_SET_CMD_COMPLETER, 10, 99, "jit-reader-unload", "%rdi",
      RULE_CALL_AFTER, 2, NULL, "jit.c _initialize_jit" },

    /* set_cmd_completer (c, cp_abi_completer), which ends in
     * "complete_on_enum (tracker, cp_abi_names, text, word)". */
    { GI_COMPLETE_ON_ENUM, 10, 99,
      "Set the ABI used for inspecting C++ objects.\n"
      "\"set cp-abi\" with no arguments will list the available ABIs.",
      NULL, RULE_REGISTERED_TAIL, 2, NULL, "cp-abi.c _initialize_cp_abi" },
};

const size_t anchor_table_len = sizeof anchor_table / sizeof anchor_table[0];
