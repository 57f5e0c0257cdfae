#include "symbol_names.h"
#include "gdb_internals.h"

/* Checked against the .symtab of GDB 10.1, 13.1, 16.3 and 18.1 built from
 * each Debian release's gdb-source (make check-resolver-truth). */
const struct symbol_name symbol_names[] = {
    { GI_ADD_COM, 10, 99, 0, "_Z7add_comPKc13command_classPFvS0_iES0_" },
    /* GDB 18: the class argument became enum_flags<command_class>, a
     * one-enum class passed in a register exactly like the enum. */
    { GI_ADD_COM, 17, 99, 0,
      "_Z7add_comPKc10enum_flagsI13command_classEPFvS0_iES0_" },
    { GI_ERROR, 10, 99, 0, "_Z5errorPKcz" },
    { GI_PRINTF, 13, 99, 0, "_Z10gdb_printfPKcz" },
    { GI_PRINTF, 10, 12, 0, "_Z15printf_filteredPKcz" },
    { GI_FPRINTF, 13, 99, 0, "_Z10gdb_printfP7ui_filePKcz" },
    { GI_FPRINTF, 10, 12, 0, "_Z16fprintf_filteredP7ui_filePKcz" },
    { GI_STDERR, 10, 99, STREAM_POINTER, "_Z25current_ui_gdb_stderr_ptrv" },
    { GI_STDERR, 17, 99, STREAM_VALUE, "_Z18current_gdb_stderrv" },
    { GI_TARGET_READ_MEMORY, 10, 99, 0, "_Z18target_read_memorymPhl" },
    { GI_PARSE_AND_EVAL_ADDRESS, 10, 99, 0, "_Z22parse_and_eval_addressPKc" },
    { GI_MAYBE_QUIT, 10, 99, 0, "_Z10maybe_quitv" },
    { GI_SET_CMD_COMPLETER, 10, 99, 0,
      "_Z17set_cmd_completerP16cmd_list_elementPFvS0_R18completion_trackerPKcS4_E" },
    { GI_COMPLETE_ON_ENUM, 10, 99, 0,
      "_Z16complete_on_enumR18completion_trackerPKPKcS2_S2_" },
};

const size_t symbol_names_len = sizeof symbol_names / sizeof symbol_names[0];
