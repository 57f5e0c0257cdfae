/* ngxmem-selftest: prove the whole host path on the current inferior:
 * symbol evaluation, the non-raising error boundary, and one large
 * memory read compared against GDB's own view of the same bytes. */
#include "diagnostic_commands.h"

#include "format.h"
#include "ngxmem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SAMPLES = 64, MAX_BLOCK = 64 << 20, AUTO_BLOCK = 1 << 20 };

struct selftest_args {
    char expr[256];
    uint64_t size;       /* 0: find the largest readable block <= 1 MiB */
    uint64_t repeat;
};

static void parse_args(const char *args, struct selftest_args *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->expr, sizeof a->expr, "$sp");
    a->repeat = 1;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", args ? args : "");
    int positional = 0;
    for (char *save, *tok = strtok_r(copy, " \t", &save); tok;
         tok = strtok_r(NULL, " \t", &save)) {
        if (strcmp(tok, "--repeat") == 0) {
            tok = strtok_r(NULL, " \t", &save);
            if (!tok || (a->repeat = strtoull(tok, NULL, 0)) == 0)
                ngxmem_error("ngxmem-selftest: --repeat needs a positive count");
        } else if (positional == 0) {
            snprintf(a->expr, sizeof a->expr, "%s", tok);
            positional++;
        } else if (positional == 1) {
            a->size = strtoull(tok, NULL, 0);
            if (a->size == 0 || a->size > MAX_BLOCK)
                ngxmem_error("ngxmem-selftest: SIZE must be 1..%d", MAX_BLOCK);
            positional++;
        } else {
            ngxmem_error("ngxmem-selftest: unexpected argument '%s'", tok);
        }
    }
}

/* GDB's own reading of the 8 bytes at ADDR. */
static uint64_t gdb_view(uint64_t addr)
{
    char expr[64];
    snprintf(expr, sizeof expr, "*(unsigned long *) 0x%" PRIx64, addr);
    return ngxmem_eval_address(expr);
}

static void check_symbol(void)
{
    char err[256];
    uint64_t addr, word;
    if (ngxmem_try_eval_address("&environ", &addr, err, sizeof err) != 0) {
        ngxmem_printf("  symbol   environ: not available (%s)\n", err);
        return;
    }
    if (ngxmem_read_memory(addr, &word, sizeof word) != 0)
        ngxmem_error("ngxmem-selftest: FAIL: cannot read environ at 0x%" PRIx64,
                     addr);
    if (word != gdb_view(addr))
        ngxmem_error("ngxmem-selftest: FAIL: environ differs from GDB's view");
    ngxmem_printf("  symbol   &environ = 0x%" PRIx64 ", value 0x%" PRIx64
                  ", same as GDB\n", addr, word);
}

static void check_error_boundary(void)
{
    char err[256] = "";
    uint64_t v;
    if (ngxmem_try_eval_address("ngxmem_selftest_no_such_symbol", &v, err,
                             sizeof err) == 0 ||
        !strstr(err, "ymbol"))  /* "No symbol ..." in every GDB setup */
        ngxmem_error("ngxmem-selftest: FAIL: a bad expression was not "
                     "reported (got '%s')", err);
    ngxmem_printf("  errors   caught GDB error: %s\n", err);
}

static void free_block(unsigned char **p)
{
    free(*p);
}

static void check_block(const struct selftest_args *a)
{
    uint64_t addr = ngxmem_eval_address(a->expr);
    uint64_t size = a->size ? a->size : AUTO_BLOCK;
    unsigned char *buf __attribute__((cleanup(free_block))) = malloc(size);
    if (!buf)
        ngxmem_error("ngxmem-selftest: out of memory for %" PRIu64 " bytes", size);
    int rc;
    while ((rc = ngxmem_read_memory(addr, buf, size)) != 0 && !a->size &&
           size > 64)
        size /= 2;
    if (rc != 0)
        ngxmem_error("ngxmem-selftest: FAIL: cannot read %" PRIu64
                     " bytes at 0x%" PRIx64 " (error %d)", size, addr, rc);
    for (uint64_t i = 1; i < a->repeat; i++) {
        ngxmem_check_quit();
        if (ngxmem_read_memory(addr, buf, size) != 0)
            ngxmem_error("ngxmem-selftest: FAIL: repeated read %" PRIu64
                         " failed", i);
    }
    unsigned samples = 0;
    for (uint64_t off = 0; off + 8 <= size; off += size / SAMPLES > 8 ? size / SAMPLES : 8) {
        uint64_t mine;
        memcpy(&mine, buf + off, 8);
        if (mine != gdb_view(addr + off))
            ngxmem_error("ngxmem-selftest: FAIL: bytes at 0x%" PRIx64
                         " differ from GDB's view", addr + off);
        samples++;
    }
    char human[32];
    ngxmem_printf("  memory   read %s (%" PRIu64 " bytes) at 0x%" PRIx64
                  " (%s) in one block%s; %u samples same as GDB\n",
                  format_bytes(size, human, sizeof human), size, addr, a->expr,
                  a->repeat > 1 ? ", repeated" : "", samples);
}

void selftest_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct selftest_args a;
    parse_args(args, &a);
    ngxmem_printf("ngxmem-selftest (GDB %d.%d)\n", ngxmem_gdb_major(),
                  ngxmem_gdb_minor());
    check_symbol();
    check_error_boundary();
    check_block(&a);
    ngxmem_printf("ngxmem-selftest: PASS\n");
}
