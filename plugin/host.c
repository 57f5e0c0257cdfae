#include "host.h"

#include "gdb_internals.h"
#include "ngxmem.h"

#include <stdio.h>
#include <string.h>

struct host_state host;

/* Before GDB's printer is known (or if it never is) we can only use the
 * process's stderr; GDB's own stderr is preferred so "set logging" and
 * the test harness see the message in order. */
static void host_message(const char *text)
{
    if (gdb_internals[GI_FPRINTF].addr && gdb_internals[GI_STDERR_PTR].addr) {
        ngxmem_eprintf("%s", text);
    } else {
        fputs(text, stderr);
        fflush(stderr);
    }
}

static void describe_gdb(char *out, size_t n)
{
    const struct resolver_report *r = &host.report;
    snprintf(out, n, "GNU gdb %s%s (%s, build-id %s)", r->pkgversion,
             r->version[0] ? r->version : "of unknown version", r->exe,
             r->build_id[0] ? r->build_id : "none");
}

void host_init(void)
{
    char gdb[700], msg[2400];
    host.missing = resolver_run(&host.report);
    describe_gdb(gdb, sizeof gdb);
    if (host.missing < 0) {
        snprintf(msg, sizeof msg,
                 "ngxmem: cannot work inside %s: %s. ngxmem commands are "
                 "not available.\n", gdb, host.report.failure);
        host_message(msg);
        return;
    }
    host.ready = host.missing == 0;
    if (!host.ready) {
        snprintf(msg, sizeof msg,
                 "ngxmem: cannot work inside %s: could not find %s "
                 "(symbols: %s; anchors: see ngxmem-info). ngxmem commands "
                 "are not available; report this GDB build.\n",
                 gdb, host.report.missing, host.report.symbols_from);
        host_message(msg);
    }
    if (gdb_internals[GI_ADD_COM].addr)
        host_register_commands();
}
