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
    "Usage: ngxmem-info [--json]\n"
    NGXMEM_HELP_TAIL
    "Example: ngxmem-info";

static const char selftest_help[] =
    "Check the ngxmem host path on the current inferior.\n"
    "Usage: ngxmem-selftest [EXPR [SIZE]] [--repeat N] [--json]\n"
    "Evaluates the symbol environ, checks that a GDB error is caught by the\n"
    "non-raising evaluator, reads SIZE bytes at EXPR (default: $sp, the\n"
    "largest readable block up to 1 MiB) in one block and compares samples\n"
    "with GDB's own reading. --repeat re-reads the block N times (Ctrl-C\n"
    "interrupts). Prints PASS, or stops with an error naming what failed.\n"
    NGXMEM_HELP_TAIL
    "Example: ngxmem-selftest &some_global 4194304";

/* "help ngxmem": every command in one line, and where to start. */
static const char overview_help[] =
    "ngxmem: where the memory of an nginx (or any glibc) process went.\n"
    "Start with ngx-report: the answer in one command. Then ngx-cycle-pools and\n"
    "glibc-free-chunks on an nginx master that grew after reloads; ngx-shm-pages and\n"
    "ngx-lua-shdict on a worker whose RSS creeps.\n"
    "\n"
    "nginx:\n"
    "  ngx-report         all in one: RSS by part, heap by owner, zones, advice\n"
    "  ngx-mem-breakdown  resident memory (RSS) by what it is: heap, zones, code\n"
    "  ngx-cycle-pools    configuration memory: the cycle pool and old cycles' pools\n"
    "  ngx-pools          every nginx pool in the heap, by type\n"
    "  ngx-heap-map       the glibc heap drawn with the cycle pools marked\n"
    "  ngx-shm-zones      shared memory zones: name, size, owner module\n"
    "  ngx-shm-pages      how much of each zone is in RAM (loaded vs unloaded)\n"
    "  ngx-shm-slabs      a zone's slab allocator: used and free pages and slabs\n"
    "  ngx-lua-shdict     what a lua_shared_dict holds: keys, expired, biggest\n"
    "glibc heap:\n"
    "  glibc-arenas       arenas, their memory, heap segments, mmapped chunks\n"
    "  glibc-free-chunks  free memory by size and bin, what malloc_trim returns\n"
    "  glibc-chunks       list chunks (free, in use, by size)\n"
    "  glibc-heap-map     the heap drawn one character per cell\n"
    "ngxmem itself:\n"
    "  ngxmem-info        how ngxmem attached to this GDB\n"
    "  ngxmem-selftest    check ngxmem's access to the inferior\n"
    "\n"
    "Every command takes --help; every analysis --json (one schema, \"schema\": 1)\n"
    "and --verbose (how the heap and nginx were found). Text fits \"set width\".\n"
    "Example: ngx-cycle-pools";

static void overview_command(const char *args, int from_tty)
{
    (void)args;
    (void)from_tty;
    ngxmem_printf("%s\n", overview_help);
}

void host_register_commands(void)
{
    struct cmd_list_element *info = GDB_FN(GI_ADD_COM, add_com_fn)(
        "ngxmem-info", ngxmem_command_class(NGXMEM_CLASS_SUPPORT), info_command,
        info_help);
    host_remember_command("ngxmem-info", info_help, info);
    ngxmem_register_command("ngxmem", overview_command, overview_help);
    ngxmem_register_command("ngxmem-selftest", selftest_command, selftest_help);
    glibc_commands_register();
    glibc_heap_map_register();
    nginx_commands_register();
    nginx_heap_map_register();
    nginx_pools_register();
    nginx_shm_register();
    nginx_shm_pages_register();
    nginx_breakdown_register();
    nginx_report_register();
}
