/* ngxmem-info: what the plugin found inside this GDB, and how. */
#include "diagnostic_commands.h"

#include "gdb_internals.h"
#include "host.h"
#include "ngxmem.h"


static const char *how_name(enum found_how h)
{
    return h == FOUND_SYMBOL ? "symbol" : h == FOUND_ANCHOR ? "anchor"
                                                            : "NOT FOUND";
}

void info_command(const char *args, int from_tty)
{
    (void)args;
    (void)from_tty;
    const struct resolver_report *r = &host.report;
    ngxmem_printf("ngxmem %s\n", PACKAGE_VERSION);
    ngxmem_printf("GDB:        GNU gdb %s%s\n", r->pkgversion,
               r->version[0] ? r->version : "(version not found)");
    ngxmem_printf("executable: %s (build-id %s)\n", r->exe,
               r->build_id[0] ? r->build_id : "none");
    ngxmem_printf("load bias:  0x%llx\n", (unsigned long long)r->bias);
    ngxmem_printf("resolver:   %s (NGXMEM_RESOLVER)\n", resolver_mode_name(r->mode));
    ngxmem_printf("symbols:    %s\n", r->symbols_from[0] ? r->symbols_from : "-");
    ngxmem_printf("state:      ready (every internal found and verified)\n");
    ngxmem_printf("reader:     %s (loaded %d time%s)\n",
               host.reader_unloaded
                   ? "unloaded by jit-reader-unload; commands stay usable"
                   : "loaded",
               host.loads, host.loads == 1 ? "" : "s");
    ngxmem_printf("\n%-26s %-18s %-10s %-9s %s\n", "internal", "address",
               "file addr", "found by", "where");
    for (int i = 0; i < GI_COUNT; i++) {
        const struct gdb_internal *gi = &gdb_internals[i];
        unsigned long long file = gi->addr ? gi->addr - r->bias : 0;
        ngxmem_printf("%-26s 0x%016llx 0x%-8llx %-9s %s\n",
                   gdb_internal_name(i, gi->variant),
                   (unsigned long long)gi->addr, file, how_name(gi->how),
                   gi->where);
    }
}
