/* The host API (ngxmem.h) on top of the resolved GDB internals. */
#include "ngxmem.h"

#include "exception_boundary.h"
#include "gdb_internals.h"
#include "host.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* enum command_class's "data" (class_vars) and "support": plain values up
 * to GDB 16, one bit each in GDB 18's enum_flags command_classes. GDB 17
 * is not measured; 18's form is assumed from 17 on, like its add_com
 * symbol name. */
int ngxmem_command_class(enum ngxmem_class c)
{
    bool flags = host.report.major >= 17;
    if (c == NGXMEM_CLASS_SUPPORT)
        return flags ? 1 << 5 : 4;
    return flags ? 1 << 2 : 1;
}
enum { READ_SPLIT = 1 << 20 };

int ngxmem_register_command(const char *name, ngxmem_command_fn fn,
                            const char *help)
{
    if (!host.ready)
        return -1;
    struct cmd_list_element *element = GDB_FN(GI_ADD_COM, add_com_fn)(
        name, ngxmem_command_class(NGXMEM_CLASS_DATA), fn, help);
    host_remember_command(name, help, element);
    return 0;
}

static void free_heap_text(char **p)
{
    free(*p);
}

/* Format into BUF, or into the heap when the text is longer (*HEAP). */
static const char *vformat(char *buf, size_t n, char **heap, const char *fmt,
                           va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int len = vsnprintf(buf, n, fmt, ap);
    if (len >= 0 && (size_t)len >= n && (*heap = malloc((size_t)len + 1))) {
        vsnprintf(*heap, (size_t)len + 1, fmt, again);
        buf = *heap;
    }
    va_end(again);
    return buf;
}

/* Format in this frame (heap text freed by cleanup even if GDB raises a
 * quit at the pager prompt) and hand GDB one "%s". */
static void print_formatted(bool to_stderr, const char *fmt, va_list ap)
{
    char buf[1024];
    char *heap __attribute__((cleanup(free_heap_text))) = NULL;
    const char *text = vformat(buf, sizeof buf, &heap, fmt, ap);
    if (to_stderr) {
        struct ui_file *err =
            gdb_internals[GI_STDERR].variant == STREAM_VALUE
                ? GDB_FN(GI_STDERR, stream_fn)()
                : *GDB_FN(GI_STDERR, stream_ptr_fn)();
        GDB_FN(GI_FPRINTF, fprintf_fn)(err, "%s", text);
    } else {
        GDB_FN(GI_PRINTF, printf_fn)("%s", text);
    }
}

void ngxmem_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_formatted(false, fmt, ap);
    va_end(ap);
}

void ngxmem_eprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_formatted(true, fmt, ap);
    va_end(ap);
}

void ngxmem_error(const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    GDB_FN(GI_ERROR, error_fn)("%s", buf);
    abort();  /* error() never returns */
}

int ngxmem_read_memory(uint64_t addr, void *buf, size_t len)
{
    unsigned char *out = buf;
    if (addr + len < addr)
        return EFAULT;
    while (len) {
        size_t n = len < READ_SPLIT ? len : READ_SPLIT;
        int rc = GDB_FN(GI_TARGET_READ_MEMORY, target_read_memory_fn)(
            addr, out, (ssize_t)n);
        if (rc)
            return rc;
        addr += n;
        out += n;
        len -= n;
        if (len)
            ngxmem_check_quit();
    }
    return 0;
}

uint64_t ngxmem_eval_address(const char *expr)
{
    return GDB_FN(GI_PARSE_AND_EVAL_ADDRESS, parse_and_eval_address_fn)(expr);
}

struct eval_call {
    const char *expr;
    uint64_t address;
};

static void eval_call_run(void *p)
{
    struct eval_call *c = p;
    c->address = ngxmem_eval_address(c->expr);
}

int ngxmem_try_eval_address(const char *expr, uint64_t *out, char *err,
                            size_t errlen)
{
    struct eval_call c = { .expr = expr };
    if (ngxmem_catch_errors(eval_call_run, &c, err, errlen) != 0)
        return -1;
    *out = c.address;
    return 0;
}

void ngxmem_check_quit(void)
{
    GDB_FN(GI_MAYBE_QUIT, maybe_quit_fn)();
}

int ngxmem_gdb_major(void)
{
    return host.report.major;
}

int ngxmem_gdb_minor(void)
{
    return host.report.minor;
}
