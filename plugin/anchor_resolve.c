#define _GNU_SOURCE
#include "anchor_resolve.h"
#include "disasm.h"
#include "gdb_internals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* A function body decoded from its .eh_frame start; bounded so that a
 * bogus FDE cannot make us decode megabytes. */
#define MAX_FUNCTION_INSNS 20000
#define MAX_SITES_PER_STRING 8
#define CALL_AFTER_WINDOW 48

struct site {
    uint64_t lea;            /* address of the lea loading the string */
    uint64_t fstart, fend;   /* function (FDE) around it */
};

static bool in_plt(const struct elf_image *img, uint64_t a)
{
    return section_contains(&img->plt, a) || section_contains(&img->plt_sec, a) ||
           section_contains(&img->plt_got, a);
}

static bool is_function_entry(const struct elf_image *img, uint64_t a)
{
    uint64_t s, e;
    return section_contains(&img->text, a) &&
           elf_image_function_bounds(img, a, &s, &e) && s == a;
}

static int decode_at(const struct elf_image *img, uint64_t a, struct insn *in)
{
    if (!section_contains(&img->text, a) || !img->text.data)
        return -1;
    uint64_t off = a - img->text.vaddr;
    return disasm_one(img->text.data + off, img->text.size - off, a, in);
}

/* Every exact occurrence of S (NUL-terminated, starting after a NUL or at
 * the section start: merged strings may be tails of longer ones). */
static size_t find_strings(const struct elf_image *img, const char *s,
                           uint64_t *out, size_t max)
{
    const struct section_view *r = &img->rodata;
    size_t n = 0, len = strlen(s) + 1;
    if (!r->data)
        return 0;
    for (uint64_t off = 0; off + len <= r->size && n < max;) {
        const uint8_t *hit = memmem(r->data + off, r->size - off, s, len);
        if (!hit)
            break;
        uint64_t pos = (uint64_t)(hit - r->data);
        if (pos == 0 || r->data[pos - 1] == '\0')
            out[n++] = r->vaddr + pos;
        off = pos + 1;
    }
    return n;
}

/* Scan .text for "lea disp32(%rip),%reg" (REX.W 8D /r, mod=00 rm=101)
 * whose target is STR; verify each hit by decoding it. */
static size_t find_lea_sites(const struct elf_image *img, uint64_t str,
                             const char *reg, struct site *out, size_t max)
{
    const struct section_view *t = &img->text;
    size_t n = 0;
    if (!t->data || t->size < 7)
        return 0;
    for (uint64_t i = 0; i + 7 <= t->size && n < max; i++) {
        const uint8_t *p = t->data + i;
        if ((p[0] != 0x48 && p[0] != 0x4c) || p[1] != 0x8d ||
            (p[2] & 0xc7) != 0x05)
            continue;
        int32_t disp;
        memcpy(&disp, p + 3, 4);
        uint64_t at = t->vaddr + i;
        if (at + 7 + (int64_t)disp != str)
            continue;
        struct insn in;
        if (decode_at(img, at, &in) != 7 || in.kind != INSN_LEA_RIP ||
            in.target != str || (reg && strcmp(in.reg, reg) != 0))
            continue;
        struct site *s = &out[n];
        s->lea = at;
        if (!elf_image_function_bounds(img, at, &s->fstart, &s->fend))
            continue;
        n++;
    }
    return n;
}

static bool is_direct_call(const struct elf_image *img, const struct insn *in)
{
    return in->kind == INSN_CALL && !in_plt(img, in->target);
}

static bool is_tail_call(const struct elf_image *img, const struct insn *in,
                         const struct site *s)
{
    return in->kind == INSN_JMP &&
           (in->target < s->fstart || in->target >= s->fend) &&
           is_function_entry(img, in->target);
}

/* The NTH call after S; *RSI_FUNCTION (if not NULL) is the function
 * entry last loaded into %rsi since the call before it. */
static uint64_t rule_call_after(const struct elf_image *img,
                                const struct site *s, int nth,
                                uint64_t *rsi_function)
{
    struct insn in;
    uint64_t a = s->lea, rsi = 0;
    for (int k = 0; k < CALL_AFTER_WINDOW && a < s->fend; k++) {
        if (decode_at(img, a, &in) < 0)
            return 0;
        if (in.kind == INSN_LEA_RIP && strcmp(in.reg, "%rsi") == 0)
            rsi = is_function_entry(img, in.target) ? in.target : 0;
        if (is_direct_call(img, &in) || is_tail_call(img, &in, s)) {
            if (--nth == 0) {
                if (rsi_function)
                    *rsi_function = rsi;
                return in.target;
            }
            rsi = 0;
            if (in.kind == INSN_JMP)
                return 0;
        } else if (in.kind == INSN_RET || in.kind == INSN_JMP ||
                   in.kind == INSN_INDIRECT) {
            return 0;
        }
        a += (uint64_t)in.len;
    }
    return 0;
}

/* The first jump from function F to another function's entry. */
static uint64_t first_tail_jump(const struct elf_image *img, uint64_t f)
{
    struct site in_f = { .lea = f };
    struct insn in;
    if (!elf_image_function_bounds(img, f, &in_f.fstart, &in_f.fend) ||
        in_f.fstart != f)
        return 0;
    for (uint64_t a = f; a < in_f.fend && a - f < MAX_FUNCTION_INSNS;
         a += (uint64_t)in.len) {
        if (decode_at(img, a, &in) < 0)
            return 0;
        if (is_tail_call(img, &in, &in_f))
            return in.target;
    }
    return 0;
}

static uint64_t rule_registered_tail(const struct elf_image *img,
                                     const struct site *s, int nth)
{
    uint64_t registered = 0;
    if (!rule_call_after(img, s, nth, &registered) || !registered)
        return 0;
    return first_tail_jump(img, registered);
}

/* Decode the whole function of S into a fresh array (caller frees). */
static struct insn *decode_function(const struct elf_image *img,
                                    const struct site *s, size_t *count)
{
    size_t cap = 256, n = 0;
    struct insn *v = malloc(cap * sizeof *v);
    for (uint64_t a = s->fstart; v && a < s->fend && n < MAX_FUNCTION_INSNS;) {
        if (n == cap) {
            struct insn *w = realloc(v, 2 * cap * sizeof *v);
            if (!w)
                break;
            v = w;
            cap *= 2;
        }
        if (decode_at(img, a, &v[n]) < 0)
            break;
        a += (uint64_t)v[n++].len;
    }
    *count = n;
    return v;
}

static ssize_t index_of(const struct insn *v, size_t n, uint64_t a)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].addr == a)
            return (ssize_t)i;
    return -1;
}

static uint64_t nth_call_before(const struct elf_image *img,
                                const struct insn *v, ssize_t from, int nth)
{
    for (ssize_t i = from - 1; i >= 0; i--)
        if (is_direct_call(img, &v[i]) && --nth == 0)
            return v[i].target;
    return 0;
}

static uint64_t rule_call_before(const struct elf_image *img,
                                 const struct site *s, int nth)
{
    size_t n;
    struct insn *v = decode_function(img, s, &n);
    ssize_t at = v ? index_of(v, n, s->lea) : -1;
    uint64_t r = at < 0 ? 0 : nth_call_before(img, v, at, nth);
    free(v);
    return r;
}

static bool ends_block(const struct insn *in)
{
    return in->kind == INSN_CALL || in->kind == INSN_JMP ||
           in->kind == INSN_JCC || in->kind == INSN_RET ||
           in->kind == INSN_INDIRECT;
}

/* The lea's basic block may start a few instructions before it (argument
 * set-up); find a conditional jump to any of those starts, then the call
 * whose result that jump tests, a few instructions before it. */
static uint64_t rule_call_before_branch(const struct elf_image *img,
                                        const struct site *s)
{
    size_t n;
    struct insn *v = decode_function(img, s, &n);
    ssize_t at = v ? index_of(v, n, s->lea) : -1;
    uint64_t r = 0;
    for (ssize_t b = at; b >= 0 && b > at - 4 && !r; b--) {
        if (b < at && ends_block(&v[b]))
            break;
        for (size_t j = 0; j < n && !r; j++) {
            if (v[j].kind != INSN_JCC || v[j].target != v[b].addr)
                continue;
            for (ssize_t k = (ssize_t)j - 1; k >= 0 && k > (ssize_t)j - 6; k--) {
                if (is_direct_call(img, &v[k])) {
                    r = v[k].target;
                    break;
                }
                if (ends_block(&v[k]))
                    break;
            }
        }
    }
    free(v);
    return r;
}

/* "mov (%rax),%rdi" hands GDB's stderr on from a function returning a
 * pointer to it; "mov %rax,%rdi" from one returning the stream. */
static int stream_form_of(const struct insn *in)
{
    if (disasm_is(in, "mov", "(%rax),%rdi"))
        return STREAM_POINTER;
    if (disasm_is(in, "mov", "%rax,%rdi"))
        return STREAM_VALUE;
    return STREAM_UNKNOWN;
}

/* Does IN overwrite %rax (the stream call's result)? */
static bool writes_rax(const struct insn *in)
{
    const char *comma = strrchr(in->text, ',');
    const char *dst = comma ? comma + 1 : strrchr(in->text, ' ');
    return dst && (strcmp(dst, "%rax") == 0 || strcmp(dst, "%eax") == 0 ||
                   strcmp(dst, " %rax") == 0);
}

/* The call whose result the stream move at index K takes: the nearest
 * direct call before it, with nothing in between overwriting %rax. */
static ssize_t stream_call_before(const struct elf_image *img,
                                  const struct insn *v, ssize_t k)
{
    for (ssize_t j = k - 1; j >= 0 && j > k - 8; j--) {
        if (is_direct_call(img, &v[j]))
            return j;
        if (ends_block(&v[j]) || writes_rax(&v[j]))
            return -1;
    }
    return -1;
}

/* print (stream (), ..."string"...): the printing call is the first call
 * (or tail jump) after the string's load whose first argument is set from
 * a stream call's result; the stream call may come before or after the
 * load (GCC orders them either way). */
static uint64_t rule_stream_print(const struct elf_image *img,
                                  const struct site *s, int target,
                                  int *variant)
{
    size_t n;
    struct insn *v = decode_function(img, s, &n);
    ssize_t at = v ? index_of(v, n, s->lea) : -1;
    uint64_t r = 0;
    int calls = 0;
    for (ssize_t i = at + 1; at >= 0 && (size_t)i < n && i < at + CALL_AFTER_WINDOW;
         i++) {
        bool tail = is_tail_call(img, &v[i], s);
        if (!is_direct_call(img, &v[i]) && !tail) {
            if (v[i].kind == INSN_RET || v[i].kind == INSN_JMP ||
                v[i].kind == INSN_INDIRECT)
                break;
            continue;
        }
        for (ssize_t k = i - 1; k >= 1 && k > i - 10 && !r; k--) {
            int form = stream_form_of(&v[k]);
            ssize_t j = form ? stream_call_before(img, v, k) : -1;
            if (j >= 0) {
                *variant = target == GI_STDERR ? form : 0;
                r = target == GI_STDERR ? v[j].target : v[i].target;
            } else if (ends_block(&v[k]) || (form && j < 0)) {
                break;
            }
        }
        if (r || ++calls == 3 || tail)
            break;
    }
    free(v);
    return r;
}

/* The last "lea X(%rip),REG" before the first direct call after S. */
static uint64_t rule_string_arg(const struct elf_image *img,
                                const struct site *s, const char *reg)
{
    size_t n;
    struct insn *v = decode_function(img, s, &n);
    ssize_t at = v ? index_of(v, n, s->lea) : -1;
    uint64_t value = 0, r = 0;
    for (ssize_t i = 0; at >= 0 && (size_t)i < n; i++) {
        if (v[i].kind == INSN_LEA_RIP && strcmp(v[i].reg, reg) == 0)
            value = v[i].target;
        if (i > at && v[i].kind == INSN_CALL) {
            r = value;
            break;
        }
    }
    free(v);
    return section_contains(&img->rodata, r) ? r : 0;
}

static uint64_t apply_rule(const struct elf_image *img, const struct anchor *a,
                           int target, const struct site *s, int *variant)
{
    uint64_t r = 0;
    switch (a->rule) {
    case RULE_STREAM_PRINT:
        r = rule_stream_print(img, s, target, variant);
        break;
    case RULE_CALL_AFTER:
        r = rule_call_after(img, s, a->nth, NULL);
        break;
    case RULE_REGISTERED_TAIL:
        r = rule_registered_tail(img, s, a->nth);
        break;
    case RULE_CALL_BEFORE:
        r = rule_call_before(img, s, a->nth);
        break;
    case RULE_CALL_BEFORE_BRANCH:
        r = rule_call_before_branch(img, s);
        break;
    case RULE_STRING_ARG:
        return rule_string_arg(img, s, a->arg_reg);
    }
    return r && is_function_entry(img, r) ? r : 0;
}

/* The anchor string as a human reads it in a one-line report. */
static const char *printable(const char *s, char *buf, size_t n)
{
    size_t o = 0;
    for (; *s && o + 3 < n; s++) {
        if (*s == '\n') {
            buf[o++] = '\\';
            buf[o++] = 'n';
        } else {
            buf[o++] = *s;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* Is row A one of TARGET's for GDB_MAJOR? */
static bool row_serves(const struct anchor *a, int target, int gdb_major)
{
    /* a stream-print row also gives the stream accessor */
    bool serves = a->target == target || (target == GI_STDERR && a->rule == RULE_STREAM_PRINT);
    return serves && (gdb_major ? gdb_major >= a->gdb_min && gdb_major <= a->gdb_max
                                : a->gdb_min == 0);
}

bool anchor_confirm(const struct elf_image *img, int target, int gdb_major, uint64_t site,
                    uint64_t value, int variant)
{
    struct insn in;
    if (!value || decode_at(img, site, &in) != 7 || in.kind != INSN_LEA_RIP)
        return false;
    struct site s = { site, 0, 0 };
    if (!elf_image_function_bounds(img, site, &s.fstart, &s.fend))
        return false;
    for (size_t i = 0; i < anchor_table_len; i++) {
        const struct anchor *a = &anchor_table[i];
        uint64_t strs[4];
        if (!row_serves(a, target, gdb_major) || (a->string_reg && strcmp(in.reg, a->string_reg)))
            continue;
        size_t ns = find_strings(img, a->string, strs, 4);
        for (size_t k = 0; k < ns; k++) {
            int v = 0;
            if (strs[k] == in.target && apply_rule(img, a, target, &s, &v) == value &&
                (!v || v == variant))
                return true;
        }
    }
    return false;
}

bool anchor_resolve(const struct elf_image *img, int target, int gdb_major,
                    struct anchor_result *out)
{
    memset(out, 0, sizeof *out);
    int rows = 0;
    for (size_t i = 0; i < anchor_table_len; i++) {
        const struct anchor *a = &anchor_table[i];
        if (!row_serves(a, target, gdb_major))
            continue;
        rows++;
        uint64_t strs[4];
        size_t ns = find_strings(img, a->string, strs, 4);
        for (size_t k = 0; k < ns; k++) {
            struct site sites[MAX_SITES_PER_STRING];
            size_t nsites = find_lea_sites(img, strs[k], a->string_reg, sites,
                                           MAX_SITES_PER_STRING);
            for (size_t j = 0; j < nsites; j++) {
                int variant = 0;
                uint64_t v = apply_rule(img, a, target, &sites[j], &variant);
                if (!v)
                    continue;
                if ((out->value && out->value != v) ||
                    (out->variant && variant && out->variant != variant)) {
                    snprintf(out->detail, sizeof out->detail,
                             "anchors disagree: 0x%llx vs 0x%llx (\"%s\" at 0x%llx)",
                             (unsigned long long)out->value,
                             (unsigned long long)v, a->origin,
                             (unsigned long long)sites[j].lea);
                    out->value = 0;
                    return false;
                }
                char shown[48];
                if (!out->value) {
                    out->site = sites[j].lea;
                    snprintf(out->detail, sizeof out->detail,
                             "anchor \"%s\" (%s) at 0x%llx",
                             printable(a->string, shown, sizeof shown), a->origin,
                             (unsigned long long)sites[j].lea);
                }
                out->value = v;
                out->variant = variant ? variant : out->variant;
                out->sites++;
            }
        }
    }
    if (!out->value && rows)
        snprintf(out->detail, sizeof out->detail,
                 "no anchor matched (%d row%s for GDB %d)", rows,
                 rows == 1 ? "" : "s", gdb_major);
    else if (!out->value)
        snprintf(out->detail, sizeof out->detail,
                 "no anchor row for GDB %d", gdb_major);
    return out->value != 0;
}
