/* ngxmem-info: what the plugin found inside this GDB, and how. */
#include "diagnostic_commands.h"

#include "command_def.h"
#include "command_output.h"
#include "gdb_internals.h"
#include "host.h"
#include "ngxmem.h"


static const char *how_id(enum found_how h)
{
    return h == FOUND_SYMBOL ? "symbol" : h == FOUND_ANCHOR ? "anchor" : "not_found";
}

static const struct column internal_columns[] = {
    { "name", "internal", VAL_TEXT, 0, IN_BOTH },
    { "address", "address", VAL_ADDRESS, 0, IN_BOTH },
    { "file_address", "file addr", VAL_ADDRESS, 1, IN_BOTH },
    { "found_by", "found by", VAL_ID, 0, IN_BOTH },
    { "where", "where", VAL_TEXT, 2, IN_BOTH },
};

const struct command_def info_def = {
    "ngxmem-info", "Show how ngxmem attached to this GDB.", NULL, 0, 0, NULL, 0, COMMON_JSON,
    "Lists the plugin and GDB versions, the resolver mode and, for every GDB\n"
    "internal the plugin calls, its address and how it was found (symbol or\n"
    "anchor). Works even when some internal is missing, to say which.\n",
    "Example: ngxmem-info",
};

void info_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct parsed_options a;
    RESULT(out);
    if (!command_options(&info_def, args, &a))
        return;
    struct output_options o = output_options(&a);
    const struct resolver_report *r = &host.report;
    result_init(&out, "ngxmem-info");
    result_facts(&out, NULL, NULL);
    result_fact(&out, "ngxmem_version", "ngxmem", val_text(&out, "%s", PACKAGE_VERSION), NULL);
    result_fact(&out, "gdb_version", "GDB",
                val_text(&out, "GNU gdb %s%s", r->pkgversion,
                         r->version[0] ? r->version : "(version not found)"), NULL);
    result_fact(&out, "gdb_executable", "executable", val_text(&out, "%s", r->exe), NULL);
    result_fact(&out, "build_id", "build-id",
                r->build_id[0] ? val_text(&out, "%s", r->build_id) : val_none(), NULL);
    result_fact(&out, "load_bias", "load bias", val_address(r->bias), NULL);
    result_fact(&out, "resolver", "resolver", val_id(resolver_mode_name(r->mode)),
                "NGXMEM_RESOLVER");
    result_fact(&out, "symbols", "symbols",
                val_text(&out, "%s", r->symbols_from[0] ? r->symbols_from : "-"), NULL);
    result_fact(&out, "resolution_cache", "cache", val_text(&out, "%s", r->cache),
                "verified at load like a fresh resolution; NGXMEM_CACHE=off");
    result_fact(&out, "state", "state", val_id("ready"), "every internal found and verified");
    result_fact(&out, "completion", "TAB completion", val_bool(host_completion_available()),
                r->optional_missing[0] ? "%s" : NULL, r->optional_missing);
    result_fact(&out, "reader_loaded", "reader loaded", val_bool(!host.reader_unloaded),
                host.reader_unloaded ? "unloaded by jit-reader-unload; commands stay usable"
                                     : NULL);
    result_fact(&out, "load_count", "loads", val_count((uint64_t)host.loads), NULL);
    result_table(&out, "internals", NULL, internal_columns, ARRAY_LEN(internal_columns));
    for (int i = 0; i < GI_COUNT; i++) {
        const struct gdb_internal *gi = &gdb_internals[i];
        struct value row[] = { val_text(&out, "%s", gdb_internal_name(i, gi->variant)),
                               val_address(gi->addr), val_address(gi->addr ? gi->addr - r->bias : 0),
                               val_id(how_id(gi->how)), val_text(&out, "%s", gi->where) };
        result_row(&out, row);
    }
    command_emit(&out, &o);
}
