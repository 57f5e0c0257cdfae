#include "command_output.h"

#include "inferior_text.h"
#include "ngxmem.h"
#include "output_file.h"
#include "render.h"
#include "target_identity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct output_options output_options(const struct parsed_options *p)
{
    struct output_options o;
    o.json = opt_given(p, "--json");
    o.verbose = p->def->common & COMMON_VERBOSE && opt_given(p, "--verbose");
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

void command_name_target(struct result *r)
{
    if (r->target_pid || r->target_core || r->target_executable)
        return;
    struct target_identity t;
    target_identify(&t);
    r->target_pid = (int)t.pid;
    r->target_core = t.core[0] ? strdup(t.core) : NULL;
    r->target_executable = t.executable[0] ? strdup(t.executable) : NULL;
}

void command_open_output(struct output_file *f, const char *cmd, const char *option,
                         const char *path, mode_t mode)
{
    char why[256], shown[512];
    f->path = NULL;
    f->tmp = NULL;
    f->fd = -1;
    if (path && !output_file_open(f, path, mode, why, sizeof why))
        ngxmem_error("%s: %s %s: %s", cmd, option, text_safe(path, shown, sizeof shown), why);
}

void command_save_rendered(struct result *r, struct output_file *f, const struct out_buf *b)
{
    char why[256], shown[512];
    if (r->out_of_memory || b->failed)
        ngxmem_error("%s: out of memory", r->command);
    if (f && f->path && !output_file_commit(f, b->s, b->len, why, sizeof why))
        ngxmem_error("%s: cannot write %s: %s", r->command,
                     text_safe(f->path, shown, sizeof shown), why);
}

void command_save_json(struct result *r, struct output_file *f, struct out_buf *json)
{
    command_name_target(r);
    render_json(r, json);
    command_save_rendered(r, f, json);
}

void command_save_html(struct result *r, struct output_file *f)
{
    OUT_BUF html = { 0 };
    command_name_target(r);
    r->poll = ngxmem_check_quit;
    render_html(r, &html);
    command_save_rendered(r, f, &html);
}

static void print_piece(void *arg, const char *s, size_t n)
{
    (void)arg;
    ngxmem_check_quit();
    ngxmem_printf("%.*s", (int)n, s);
}

void command_emit(struct result *r, const struct output_options *o)
{
    /* only JSON names the target: text spares the scan of /proc */
    if (o->json)
        command_name_target(r);
    r->verbose = o->verbose;
    r->poll = ngxmem_check_quit;
    if (r->out_of_memory)
        ngxmem_error("%s: out of memory", r->command);
    /* streamed in pieces: a listing of millions of chunks stays
     * interruptible and never sits whole in GDB's memory */
    OUT_BUF out = { .sink = print_piece };
    if (o->json)
        render_json(r, &out);
    else
        render_text(r, text_width(), &out);
    if (out.failed)
        ngxmem_error("%s: out of memory", r->command);
    out_flush(&out);
}
