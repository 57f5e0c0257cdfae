#include "gdb_reader.h"

#include "ngxmem.h"
#include "auxv.h"
#include "core_file.h"
#include "process_memory.h"
#include "proc_smaps.h"
#include "target_identity.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int gdb_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    (void)ctx;
    return ngxmem_read_memory(addr, buf, len);
}

static void find_target(struct gdb_reader_state *s)
{
    if (s->target != TARGET_UNKNOWN)
        return;
    s->pid = target_traced_pids(&s->ntraced);
    s->target = s->pid ? TARGET_LIVE
                       : target_open_core(s->core, sizeof s->core) ? TARGET_CORE : TARGET_NEITHER;
}

static bool is_identifier(const char *name)
{
    if (!*name || (*name >= '0' && *name <= '9'))
        return false;
    for (const char *p = name; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

/* A plain name is looked up in the loaded objects' dynamic symbols first:
 * what the dynamic linker resolves it to, and what GDB's "&NAME" gives,
 * without GDB's search of every debug-info index. Names only there
 * (statics such as main_arena, thread-locals) and expressions go to GDB. */
static bool dynamic_symbol(struct gdb_reader_state *s, const char *name, uint64_t *addr)
{
    struct mem_reader raw = { .read = gdb_read };
    if (s->dynsym_state == DYNSYM_UNKNOWN) {
        find_target(s);
        const uint64_t types[2] = { AT_PHDR, AT_PHNUM };
        uint64_t v[2];
        bool auxv = s->target == TARGET_LIVE   ? proc_auxv_values(s->pid, types, v, 2)
                    : s->target == TARGET_CORE ? core_file_auxv(s->core, types, v, 2)
                                               : false;
        s->dynsym_state = auxv && dynsym_table_load(&raw, v[0], v[1], &s->dynsym)
                              ? DYNSYM_LOADED : DYNSYM_NONE;
    }
    return s->dynsym_state == DYNSYM_LOADED && is_identifier(name) &&
           dynsym_lookup(&raw, &s->dynsym, name, addr);
}

static bool gdb_symbol(void *ctx, const char *name, uint64_t *addr)
{
    if (dynamic_symbol(ctx, name, addr))
        return true;
    char expr[160], err[256];
    snprintf(expr, sizeof expr, "&%s", name);
    return ngxmem_try_eval_address(expr, addr, err, sizeof err) == 0 && *addr;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Seconds of a walk before its progress shows (NGXMEM_PROGRESS_AFTER
 * for the tests: 0 shows it at once). */
static double progress_after(void)
{
    const char *v = getenv("NGXMEM_PROGRESS_AFTER");
    char *end;
    double s = v ? strtod(v, &end) : 1.0;
    return v && *end == '\0' && s >= 0 ? s : 1.0;
}

/* Straight to the terminal, never through GDB's streams: "set logging"
 * and pipes must not get the line, nor a stderr that is a file. */
static void progress_write(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress_write(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1))
        return;
}

/* Ctrl-C raises a GDB quit from here: analysis state is owned by the
 * command's frame and released by its cleanup. */
static bool gdb_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct gdb_reader_state *s = ctx;
    ngxmem_check_quit();
    if (total && s->progress_tty && seconds_since(&s->started) >= s->progress_after) {
        progress_write("\r%s: %llu of %llu MiB (%d%%)   ", s->what,
                       (unsigned long long)(done >> 20), (unsigned long long)(total >> 20),
                       (int)(done * 100 / total));
        s->progress_shown = true;
    }
    return false;
}

/* Batched only where the process GDB reads is known for sure: the one
 * process it traces, no core open besides. */
static bool gdb_read_spans(void *ctx, struct mem_span *spans, size_t n)
{
    struct gdb_reader_state *s = ctx;
    find_target(s);
    if (s->target != TARGET_LIVE)
        return false;
    if (s->spans == SPANS_UNKNOWN)
        s->spans = s->ntraced == 1 && !target_open_core(NULL, 0) ? SPANS_PROCESS : SPANS_NONE;
    if (s->spans == SPANS_PROCESS && !process_read_spans(s->pid, spans, n))
        s->spans = SPANS_NONE;
    return s->spans == SPANS_PROCESS;
}

/* Where read_spans may use the process directly, so may another thread. */
static bool gdb_concurrent_reader(void *ctx, struct mem_reader *out)
{
    struct gdb_reader_state *s = ctx;
    struct mem_span none;
    if (!gdb_read_spans(s, &none, 0))
        return false;
    *out = (struct mem_reader){ .read = process_read, .read_spans = process_read_spans_of,
                                .ctx = &s->pid };
    return true;
}

static bool gdb_quiet_extent(void *ctx, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    struct gdb_reader_state *s = ctx;
    find_target(s);
    if (s->target == TARGET_CORE) {   /* reading a core file has no effects */
        *lo = 0;
        *hi = UINT64_MAX;
        return true;
    }
    if (s->target != TARGET_LIVE)
        return false;
    if (!(addr >= s->quiet_lo && addr < s->quiet_hi) &&
        !proc_private_anonymous(s->pid, addr, &s->quiet_lo, &s->quiet_hi))
        return false;
    *lo = s->quiet_lo;
    *hi = s->quiet_hi;
    return true;
}

struct mem_reader gdb_reader(struct gdb_reader_state *s, const char *what)
{
    /* With no process and no core, GDB still resolves symbols from the
     * executable file: say that, rather than what would fail later. */
    uint64_t pc;
    char err[256];
    if (ngxmem_try_eval_address("$pc", &pc, err, sizeof err) != 0)
        ngxmem_error("%s: no process or core file (%s): attach with `gdb -p PID` or "
                     "`attach PID`, or open a core with `gdb PROGRAM CORE` (a core without "
                     "registers is truncated: gcore writes them last)", what, err);
    clock_gettime(CLOCK_MONOTONIC, &s->started);
    s->progress_shown = false;
    s->progress_tty = isatty(STDERR_FILENO);
    s->progress_after = progress_after();
    s->what = what;
    s->target = TARGET_UNKNOWN;
    s->quiet_lo = s->quiet_hi = 0;
    s->dynsym_state = DYNSYM_UNKNOWN;
    s->spans = SPANS_UNKNOWN;
    struct mem_reader r = { gdb_read, gdb_symbol, gdb_progress, s, gdb_quiet_extent,
                            gdb_read_spans, gdb_concurrent_reader };
    return r;
}

void gdb_reader_done(struct gdb_reader_state *s)
{
    if (s->progress_shown)
        progress_write("\r%60s\r", "");
    s->progress_shown = false;
}
