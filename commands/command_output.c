#include "command_output.h"

#include "ngxmem.h"
#include "render.h"
#include "target_identity.h"

#include <string.h>

struct output_options output_options(struct args *a)
{
    struct output_options o;
    o.json = args_flag(a, "--json");
    o.verbose = args_flag(a, "--verbose");
    return o;
}

/* GDB's "set width" (0: unlimited, as in batch mode and pipes). A line
 * exactly as wide as the terminal makes GDB's pager add a line break of
 * its own, so text is fitted one column narrower. */
static int text_width(void)
{
    uint64_t w;
    char err[256];
    if (ngxmem_try_eval_address("$_gdb_setting(\"width\")", &w, err, sizeof err) != 0 ||
        w == 0 || w > 100000)
        return 0;
    return (int)w - 1;
}

void command_emit(struct result *r, const struct output_options *o)
{
    /* only JSON names the target: text spares the scan of /proc */
    if (o->json) {
        struct target_identity t;
        target_identify(&t);
        r->target_pid = (int)t.pid;
        r->target_core = t.core[0] ? strdup(t.core) : NULL;
        r->target_executable = t.executable[0] ? strdup(t.executable) : NULL;
    }
    r->verbose = o->verbose;
    r->poll = ngxmem_check_quit;
    OUT_BUF out = { 0 };
    if (o->json)
        render_json(r, &out);
    else
        render_text(r, text_width(), &out);
    if (r->out_of_memory || out.failed)
        ngxmem_error("%s: out of memory", r->command);
    /* in pieces: a listing of millions of chunks stays interruptible */
    enum { PIECE = 1 << 16 };
    for (size_t off = 0; off < out.len; off += PIECE) {
        ngxmem_check_quit();
        size_t n = out.len - off < PIECE ? out.len - off : PIECE;
        ngxmem_printf("%.*s", (int)n, out.s + off);
    }
}
