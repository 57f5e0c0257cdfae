/* ngxmem-selftest: prove the whole host path on the current inferior:
 * symbol evaluation, the non-raising error boundary, and one large
 * memory read compared against GDB's own view of the same bytes. */
#include "diagnostic_commands.h"

#include "command_def.h"
#include "command_output.h"
#include "expression_check.h"
#include "ngxmem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SAMPLES = 64, MAX_BLOCK = 64 << 20, AUTO_BLOCK = 1 << 20 };

struct selftest_args {
    const char *expr;
    uint64_t size;       /* 0: find the largest readable block <= 1 MiB */
    uint64_t repeat;
    struct output_options out;
};

static const struct option_def selftest_options[] = {
    { "--repeat", OPT_NUMBER, "N", UINT32_MAX, 0 },
};

const struct command_def selftest_def = {
    "ngxmem-selftest", "Check the ngxmem host path on the current inferior.", "[EXPR [SIZE]]",
    0, 2, selftest_options, ARRAY_LEN(selftest_options), COMMON_JSON,
    "Evaluates the symbol environ, checks that a GDB error is caught by the\n"
    "non-raising evaluator, reads SIZE bytes at EXPR (default: $sp, the\n"
    "largest readable block up to 1 MiB) in one block and compares samples\n"
    "with GDB's own reading. EXPR is an address: symbols, numbers, registers,\n"
    "casts, & * [] + - and the like; a function call, an assignment or ++/--\n"
    "is refused (it would run code in the process or write its memory).\n"
    "--repeat re-reads the block N times (Ctrl-C interrupts). Prints PASS, or\n"
    "stops with an error naming what failed.\n",
    "Example: ngxmem-selftest &some_global 4194304",
};

static bool parse_args(struct parsed_options *p, const char *args, struct selftest_args *a)
{
    memset(a, 0, sizeof *a);
    if (!command_options(&selftest_def, args, p))
        return false;
    a->out = output_options(p);
    a->repeat = opt_number(p, "--repeat", 1);
    if (a->repeat == 0)
        ngxmem_error("ngxmem-selftest: --repeat needs a positive count");
    a->expr = opt_positional(p, 0) ? opt_positional(p, 0) : "$sp";
    /* all the words: "f ()" is a call even split in two */
    char words[2 * ARGS_WORD_MAX + 2], why[128];
    snprintf(words, sizeof words, "%s%s%s", a->expr, opt_positional(p, 1) ? " " : "",
             opt_positional(p, 1) ? opt_positional(p, 1) : "");
    if (!address_expression_safe(words, why, sizeof why))
        ngxmem_error("ngxmem-selftest: '%s' is not an address expression: %s", words, why);
    const char *v = opt_positional(p, 1);
    if (v && (!args_parse_size(v, &a->size) || a->size == 0 || a->size > MAX_BLOCK))
        ngxmem_error("ngxmem-selftest: SIZE must be 1..%d", MAX_BLOCK);
    return true;
}

/* GDB's own reading of the 8 bytes at ADDR. */
static uint64_t gdb_view(uint64_t addr)
{
    char expr[64];
    snprintf(expr, sizeof expr, "*(unsigned long *) 0x%" PRIx64, addr);
    return ngxmem_eval_address(expr);
}

static void check_symbol(struct result *r)
{
    char err[256];
    uint64_t addr, word;
    if (ngxmem_try_eval_address("&environ", &addr, err, sizeof err) != 0) {
        result_fact(r, "environ", "symbol environ", val_none(), "not available: %s", err);
        return;
    }
    if (ngxmem_read_memory(addr, &word, sizeof word) != 0)
        ngxmem_error("ngxmem-selftest: FAIL: cannot read environ at 0x%" PRIx64,
                     addr);
    if (word != gdb_view(addr))
        ngxmem_error("ngxmem-selftest: FAIL: environ differs from GDB's view");
    result_fact(r, "environ", "symbol environ", val_address(addr), "value 0x%" PRIx64
                ", same as GDB", word);
}

static void check_error_boundary(struct result *r)
{
    char err[256] = "";
    uint64_t v;
    if (ngxmem_try_eval_address("ngxmem_selftest_no_such_symbol", &v, err,
                             sizeof err) == 0 ||
        !strstr(err, "ymbol"))  /* "No symbol ..." in every GDB setup */
        ngxmem_error("ngxmem-selftest: FAIL: a bad expression was not "
                     "reported (got '%s')", err);
    result_fact(r, "error_caught", "GDB error caught", val_text(r, "%s", err), NULL);
}

static void free_block(unsigned char **p)
{
    free(*p);
}

static void check_block(const struct selftest_args *a, struct result *r)
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
    result_fact(r, "read_bytes", "read in one block", val_bytes(size), "at 0x%" PRIx64 " (%s)%s",
                addr, a->expr, a->repeat > 1 ? ", repeated" : "");
    result_fact(r, "read_count", "reads", val_count(a->repeat), NULL);
    result_fact(r, "sample_count", "samples same as GDB", val_count(samples), NULL);
}

void selftest_command(const char *args, int from_tty)
{
    (void)from_tty;
    struct parsed_options words;
    struct selftest_args a;
    RESULT(r);
    if (!parse_args(&words, args, &a))
        return;
    result_init(&r, "ngxmem-selftest");
    result_facts(&r, NULL, NULL);
    result_fact(&r, "gdb_version", "GDB", val_text(&r, "%d.%d", ngxmem_gdb_major(),
                                                  ngxmem_gdb_minor()), NULL);
    check_symbol(&r);
    check_error_boundary(&r);
    check_block(&a, &r);
    result_fact(&r, "verdict", "ngxmem-selftest", val_text(&r, "PASS"), NULL);
    command_emit(&r, &a.out);
}
