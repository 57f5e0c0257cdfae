#include "host.h"

#include "gdb_internals.h"

#include <stdio.h>
#include <string.h>

struct host_state host;

/* A failure is reported through the process's own stderr: nothing
 * resolved is called until the whole set has been verified, and when it
 * has not been, nothing resolved is called at all. */
static void host_message(const char *text)
{
    fputs(text, stderr);
    fflush(stderr);
}

/* One line per internal that is missing or was rejected, and why. */
static void describe_missing(char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < GI_REQUIRED_COUNT && len < n; i++) {
        const struct gdb_internal *gi = &gdb_internals[i];
        if (gi->how != FOUND_NOT)
            continue;
        int k = snprintf(out + len, n - len, "  %s: %s%s%s\n", gi->name,
                         gi->rejected[0] ? "rejected " : "", gi->rejected,
                         gi->rejected[0] ? "" : gi->where);
        len += k > 0 ? (size_t)k : 0;
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
    char gdb[700], why[2400], msg[4000];
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
        describe_missing(why, sizeof why);
        snprintf(msg, sizeof msg,
                 "ngxmem: cannot work inside %s: could not find %s.\n%s"
                 "  symbols: %s\n"
                 "ngxmem commands are not available. To fix it, install "
                 "GDB's debug symbols (a build-id debug file under "
                 "/usr/lib/debug), or set DEBUGINFOD_URLS to a debuginfod "
                 "server that has them, and load ngxmem again; or report "
                 "this GDB build.\n",
                 gdb, host.report.missing, why, host.report.symbols_from);
        host_message(msg);
        return;
    }
    host_register_commands();
}
