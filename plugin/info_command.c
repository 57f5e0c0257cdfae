/* ngxmem-info: what the plugin found inside this GDB, and how. */
#include "diagnostic_commands.h"

#include "gdb_internals.h"
#include "host.h"
#include "ngxmem.h"

#include <stdarg.h>
#include <stdio.h>

/* Usable even when GDB's printer was not found: that is when a user
 * most needs this command. */
static void info_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void info_print(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (gdb_internals[GI_PRINTF].addr) {
        ngxmem_printf("%s", buf);
    } else {
        fputs(buf, stdout);
        fflush(stdout);
    }
}

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
    info_print("ngxmem %s\n", PACKAGE_VERSION);
    info_print("GDB:        GNU gdb %s%s\n", r->pkgversion,
               r->version[0] ? r->version : "(version not found)");
    info_print("executable: %s (build-id %s)\n", r->exe,
               r->build_id[0] ? r->build_id : "none");
    info_print("load bias:  0x%llx\n", (unsigned long long)r->bias);
    info_print("resolver:   %s (NGXMEM_RESOLVER)\n", resolver_mode_name(r->mode));
    info_print("symbols:    %s\n", r->symbols_from[0] ? r->symbols_from : "-");
    info_print("state:      %s%s\n",
               host.ready ? "ready" : "NOT READY: missing ",
               host.ready ? "" : r->missing);
    info_print("reader:     %s (loaded %d time%s)\n",
               host.reader_unloaded
                   ? "unloaded by jit-reader-unload; commands stay usable"
                   : "loaded",
               host.loads, host.loads == 1 ? "" : "s");
    info_print("\n%-26s %-18s %-10s %-9s %s\n", "internal", "address",
               "file addr", "found by", "where");
    for (int i = 0; i < GI_COUNT; i++) {
        const struct gdb_internal *gi = &gdb_internals[i];
        unsigned long long file = gi->addr ? gi->addr - r->bias : 0;
        info_print("%-26s 0x%016llx 0x%-8llx %-9s %s\n", gi->name,
                   (unsigned long long)gi->addr, file, how_name(gi->how),
                   gi->where);
    }
}
