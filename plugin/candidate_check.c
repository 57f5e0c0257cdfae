#include "candidate_check.h"

#include "disasm.h"
#include "gdb_internals.h"

#include <stdio.h>
#include <string.h>

/* What the first instructions and the whole body of a function show. */
struct shape {
    uint64_t size;           /* FDE length in bytes */
    bool varargs;            /* test %al,%al + movaps %xmm0 save area */
    int named_args;          /* 1: %rsi saved too, 2: from %rdx on */
    bool has_ret;
    int calls;               /* direct calls and tail jumps out */
    bool loads_address;      /* lea X(%rip),REG (add_com's &cmdlist) */
    bool stores_rsi_to_rdi;  /* first insn "mov %rsi,OFF(%rdi)" */
};

enum { PROLOGUE_INSNS = 24, MAX_BODY_INSNS = 512 };

static bool saves_register(const struct insn *in, const char *reg)
{
    char ops[24];
    snprintf(ops, sizeof ops, "%s,", reg);
    const char *t = strstr(in->text, ops);
    return t && strstr(in->text, "mov") && (strstr(t, "(%rsp)") || strstr(t, "(%rbp)"));
}

static bool read_shape(const struct elf_image *img, uint64_t a, struct shape *sh)
{
    uint64_t start, end;
    memset(sh, 0, sizeof *sh);
    if (!img->text.data || !section_contains(&img->text, a) ||
        !elf_image_function_bounds(img, a, &start, &end) || start != a)
        return false;
    sh->size = end - start;
    bool saw_test = false, saw_rsi = false, saw_rdx = false, at_entry = true;
    int k = 0;
    for (uint64_t p = a; p < end && k < MAX_BODY_INSNS; k++) {
        struct insn in;
        uint64_t off = p - img->text.vaddr;
        if (disasm_one(img->text.data + off, img->text.size - off, p, &in) < 0)
            return false;
        /* CET builds (Debian 13 on) start every function with endbr64. */
        if (at_entry && !disasm_is(&in, "endbr64", "")) {
            sh->stores_rsi_to_rdi = strstr(in.text, "mov") &&
                                    strstr(in.text, "%rsi,") && strstr(in.text, "(%rdi)");
            at_entry = false;
        }
        if (k < PROLOGUE_INSNS) {
            saw_test |= disasm_is(&in, "test", "%al,%al");
            if (!saw_test) {
                saw_rsi |= saves_register(&in, "%rsi");
                saw_rdx |= saves_register(&in, "%rdx");
            }
            if (saw_test && strstr(in.text, "movaps") && strstr(in.text, "%xmm0,"))
                sh->varargs = true;
        }
        sh->has_ret |= in.kind == INSN_RET;
        if (in.kind == INSN_CALL ||
            (in.kind == INSN_JMP && (in.target < start || in.target >= end)))
            sh->calls++;
        if (in.kind == INSN_LEA_RIP && !section_contains(&img->text, in.target))
            sh->loads_address = true;
        p += (uint64_t)in.len;
    }
    sh->named_args = saw_rsi ? 1 : saw_rdx ? 2 : 0;
    return true;
}

/* Expected shape per internal. Caller minimums are far below what every
 * GDB 10-18 has (error and printing: thousands; add_com and QUIT:
 * hundreds) and far above what a neighbouring function has. */
struct expectation {
    int varargs;             /* 1 yes, 0 no */
    int named_args;          /* for varargs */
    int ret;                 /* 1 must return, 0 must not, -1 either */
    unsigned min_callers;
    uint64_t max_size;       /* 0: no limit */
};

static const struct expectation expected[GI_COUNT] = {
    [GI_ADD_COM] = { 0, 0, -1, 100, 64 },
    [GI_ERROR] = { 1, 1, 0, 200, 0 },
    [GI_PRINTF] = { 1, 1, 1, 200, 0 },
    [GI_FPRINTF] = { 1, 2, 1, 100, 0 },
    [GI_STDERR] = { 0, 0, 1, 20, 128 },
    [GI_TARGET_READ_MEMORY] = { 0, 0, 1, 20, 512 },
    [GI_PARSE_AND_EVAL_ADDRESS] = { 0, 0, 1, 5, 512 },
    /* QUIT may leave only by tail calls through its hooks (GDB 10). */
    [GI_MAYBE_QUIT] = { 0, 0, -1, 100, 256 },
    /* "cmd->completer = completer; return": one store, a leaf. */
    [GI_SET_CMD_COMPLETER] = { 0, 0, 1, 50, 16 },
    [GI_COMPLETE_ON_ENUM] = { 0, 0, 1, 10, 512 },
};

bool candidate_check(const struct elf_image *img, int id, int variant,
                     uint64_t a, unsigned callers, char *why, size_t n)
{
    const struct expectation *e = &expected[id];
    struct shape sh;
    if (!read_shape(img, a, &sh)) {
        snprintf(why, n, "0x%llx is not a function entry in .text",
                 (unsigned long long)a);
        return false;
    }
    const char *bad = NULL;
    if (sh.varargs != (e->varargs == 1))
        bad = e->varargs ? "not a varargs function" : "a varargs function";
    else if (e->varargs && sh.named_args != e->named_args)
        bad = e->named_args == 1 ? "takes more than a format argument"
                                 : "takes no stream before the format";
    else if (e->ret == 1 && !sh.has_ret)
        bad = "never returns";
    else if (e->ret == 0 && sh.has_ret)
        bad = "returns (error() never does)";
    else if (callers < e->min_callers)
        bad = "too few callers";
    else if (e->max_size && sh.size > e->max_size)
        bad = "too large";
    else if (id == GI_ADD_COM && (!sh.loads_address || sh.calls != 1))
        bad = "not one call with &cmdlist";
    else if (id == GI_STDERR && variant == STREAM_POINTER && sh.calls != 0)
        bad = "calls out (the pointer form is a leaf)";
    else if (id == GI_STDERR && variant == STREAM_VALUE && sh.calls == 0)
        bad = "calls nothing (the stream form asks the interpreter)";
    else if (id == GI_STDERR && variant == STREAM_UNKNOWN)
        bad = "unknown stream form";
    else if (id == GI_PARSE_AND_EVAL_ADDRESS && sh.calls < 2)
        bad = "does not parse and convert";
    else if (id == GI_SET_CMD_COMPLETER && (sh.calls != 0 || !sh.stores_rsi_to_rdi))
        bad = "is not one store of %rsi into *%rdi";
    else if (id == GI_COMPLETE_ON_ENUM && sh.calls < 3)
        bad = "does not compare and add matches";
    if (!bad)
        return true;
    snprintf(why, n, "0x%llx %s (%llu bytes, %u caller%s)",
             (unsigned long long)a, bad, (unsigned long long)sh.size, callers,
             callers == 1 ? "" : "s");
    return false;
}

void count_direct_callers(const struct elf_image *img, const uint64_t *targets,
                          size_t n, unsigned *counts)
{
    const struct section_view *t = &img->text;
    memset(counts, 0, n * sizeof *counts);
    if (!t->data || t->size < 5)
        return;
    for (uint64_t i = 0; i + 5 <= t->size; i++) {
        if (t->data[i] != 0xe8 && t->data[i] != 0xe9)
            continue;
        int32_t rel;
        memcpy(&rel, t->data + i + 1, 4);
        uint64_t to = t->vaddr + i + 5 + (int64_t)rel;
        for (size_t k = 0; k < n; k++)
            counts[k] += targets[k] && to == targets[k];
    }
}
