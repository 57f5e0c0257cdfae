/* Every command the plugin offers, registered once at load. */
#include "diagnostic_commands.h"

#include "commands.h"

#include "gdb_internals.h"
#include "host.h"
#include "ngxmem.h"

static const char info_help[] =
    "Show how ngxmem attached to this GDB.\n"
    "Lists the plugin and GDB versions, the resolver mode and, for every GDB\n"
    "internal the plugin calls, its address and how it was found (symbol or\n"
    "anchor). Works even when some internal is missing, to say which.\n"
    "Example: ngxmem-info";

static const char selftest_help[] =
    "Check the ngxmem host path on the current inferior.\n"
    "Usage: ngxmem-selftest [EXPR [SIZE]] [--repeat N]\n"
    "Evaluates the symbol environ, checks that a GDB error is caught by the\n"
    "non-raising evaluator, reads SIZE bytes at EXPR (default: $sp, the\n"
    "largest readable block up to 1 MiB) in one block and compares samples\n"
    "with GDB's own reading. --repeat re-reads the block N times (Ctrl-C\n"
    "interrupts). Prints PASS, or stops with an error naming what failed.\n"
    "Example: ngxmem-selftest &some_global 4194304";

void host_register_commands(void)
{
    GDB_FN(GI_ADD_COM, add_com_fn)("ngxmem-info",
                                   ngxmem_command_class(NGXMEM_CLASS_SUPPORT),
                                   info_command, info_help);
    ngxmem_register_command("ngxmem-selftest", selftest_command, selftest_help);
    glibc_commands_register();
    glibc_heap_map_register();
    nginx_commands_register();
    nginx_heap_map_register();
    nginx_pools_register();
    nginx_shm_register();
    nginx_shm_pages_register();
}
