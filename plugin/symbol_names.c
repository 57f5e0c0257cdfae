#include "symbol_names.h"
#include "gdb_internals.h"

const struct symbol_name symbol_names[] = {
    { GI_ADD_COM, 10, 99, "_Z7add_comPKc13command_classPFvS0_iES0_" },
    { GI_ERROR, 10, 99, "_Z5errorPKcz" },
    { GI_PRINTF, 13, 99, "_Z10gdb_printfPKcz" },
    { GI_PRINTF, 10, 12, "_Z15printf_filteredPKcz" },
    { GI_FPRINTF, 13, 99, "_Z10gdb_printfP7ui_filePKcz" },
    { GI_FPRINTF, 10, 12, "_Z16fprintf_filteredP7ui_filePKcz" },
    { GI_STDERR_PTR, 10, 99, "_Z25current_ui_gdb_stderr_ptrv" },
    { GI_TARGET_READ_MEMORY, 10, 99, "_Z18target_read_memorymPhl" },
    { GI_PARSE_AND_EVAL_ADDRESS, 10, 99, "_Z22parse_and_eval_addressPKc" },
    { GI_PARSE_AND_EVAL_LONG, 10, 99, "_Z19parse_and_eval_longPKc" },
    { GI_MAYBE_QUIT, 10, 99, "_Z10maybe_quitv" },
};

const size_t symbol_names_len = sizeof symbol_names / sizeof symbol_names[0];
