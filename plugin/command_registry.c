/* Every command the plugin offers, registered once at load. */
#include "diagnostic_commands.h"

#include "command_def.h"
#include "commands.h"

#include "gdb_internals.h"
#include "host.h"
#include "inferior_text.h"
#include "ngxmem.h"

#include <langinfo.h>
#include <string.h>

/* "help ngxmem": every command in one line, and where to start. */
static const struct command_def overview_def = {
    "ngxmem", "ngxmem: where the memory of an nginx (or any glibc) process went.", NULL, 0, 0,
    NULL, 0, 0,
    "Start with ngx-report: the answer in one command. Then ngx-cycle-pools and\n"
    "glibc-free-chunks on an nginx master that grew after reloads; ngx-shm-pages,\n"
    "ngx-lua-shdict and ngx-lua-gc on a worker whose RSS creeps.\n"
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
    "  ngx-shm-entries    what a zone holds, read by its module (limit_req, ...)\n"
    "  ngx-lua-shdict     what a lua_shared_dict holds: keys, expired, biggest\n"
    "  ngx-lua-gc         the Lua VM's objects by type, their paths, its allocator\n"
    "  ngx-trend          saved reports over time: RSS by part, heap, zones\n"
    "glibc heap:\n"
    "  glibc-arenas       arenas, their memory, heap segments, mmapped chunks\n"
    "  glibc-free-chunks  free memory by size and bin, what malloc_trim returns\n"
    "  glibc-chunks       list chunks (free, in use, by size)\n"
    "  glibc-heap-map     the heap drawn one character per cell\n"
    "  glibc-leaks        in-use chunks nothing points to, by size\n"
    "  glibc-chunk-refs   what points at a chunk, back to a root\n"
    "ngxmem itself:\n"
    "  ngxmem-info        how ngxmem attached to this GDB\n"
    "  ngxmem-selftest    check ngxmem's access to the inferior\n"
    "\n"
    "Every command takes --help; every analysis --json (one schema, \"schema\": 1)\n"
    "and --verbose (how the heap and nginx were found). Text fits \"set width\".\n",
    "Example: ngx-cycle-pools",
};

static void overview_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct parsed_options p;
    if (command_options(&overview_def, args, &p))
        ngxmem_printf("%s\n", command_help(&overview_def));
}

void host_register_commands(void)
{
    /* GDB set its locale from the environment: a UTF-8 terminal shows
     * UTF-8 text of the inferior as it is */
    text_terminal_utf8(strcmp(nl_langinfo(CODESET), "UTF-8") == 0);
    const char *info_help = command_help(&info_def);
    struct cmd_list_element *info = GDB_FN(GI_ADD_COM, add_com_fn)(
        "ngxmem-info", ngxmem_command_class(NGXMEM_CLASS_SUPPORT), info_command,
        info_help);
    host_remember_command("ngxmem-info", info_help, info);
    static const char *const info_words[] = { "--json" };
    ngxmem_set_completion_words("ngxmem-info", info_words, 1);
    command_register(&overview_def, overview_command);
    command_register(&selftest_def, selftest_command);
    glibc_commands_register();
    glibc_heap_map_register();
    heap_owner_commands_register();
    nginx_commands_register();
    nginx_heap_map_register();
    nginx_pools_register();
    nginx_shm_register();
    lua_gc_register();
    report_trend_register();
    nginx_shm_entries_register();
    nginx_shm_pages_register();
    nginx_breakdown_register();
    nginx_report_register();
}
