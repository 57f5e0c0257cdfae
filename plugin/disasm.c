#include "config.h"
#include "disasm.h"

#include <dis-asm.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* libopcodes reports instruction text through printf callbacks and every
 * resolved address (branch targets, rip-relative operands) through
 * print_address_func: we collect both instead of printing. */
struct capture {
    char text[128];
    size_t len;
    uint64_t addr;
    bool has_addr;
};

static int capture_vprintf(struct capture *c, const char *fmt, va_list ap)
{
    if (c->len >= sizeof c->text - 1)
        return 0;
    int n = vsnprintf(c->text + c->len, sizeof c->text - c->len, fmt, ap);
    if (n > 0)
        c->len += (size_t)n < sizeof c->text - c->len
                      ? (size_t)n : sizeof c->text - c->len - 1;
    return n;
}

static int capture_printf(void *stream, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = capture_vprintf(stream, fmt, ap);
    va_end(ap);
    return n;
}

#ifdef HAVE_STYLED_DISASSEMBLER
static int capture_styled_printf(void *stream, enum disassembler_style style,
                                 const char *fmt, ...)
{
    (void)style;
    va_list ap;
    va_start(ap, fmt);
    int n = capture_vprintf(stream, fmt, ap);
    va_end(ap);
    return n;
}
#endif

static void capture_address(bfd_vma addr, struct disassemble_info *info)
{
    struct capture *c = info->stream;
    c->addr = addr;
    c->has_addr = true;
    capture_printf(c, "0x%llx", (unsigned long long)addr);
}

/* Skip prefixes libopcodes prints before the mnemonic. */
static const char *mnemonic_start(const char *t)
{
    static const char *const prefixes[] = { "notrack ", "bnd ", "cs ",
                                            "ds ", "data16 ", "rex.W ",
                                            "lock " };
    for (bool again = true; again;) {
        again = false;
        while (*t == ' ')
            t++;
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
            size_t n = strlen(prefixes[i]);
            if (strncmp(t, prefixes[i], n) == 0) {
                t += n;
                again = true;
            }
        }
    }
    return t;
}

static bool is_word(const char *m, const char *w)
{
    size_t n = strlen(w);
    return strncmp(m, w, n) == 0 && (m[n] == ' ' || m[n] == '\0');
}

static void classify(struct insn *in, const struct capture *c)
{
    const char *m = mnemonic_start(c->text);
    const char *ops = strchr(m, ' ');
    bool indirect = ops && strchr(ops, '*');
    in->kind = INSN_OTHER;
    if (is_word(m, "call") || is_word(m, "callq")) {
        in->kind = indirect || !c->has_addr ? INSN_INDIRECT : INSN_CALL;
    } else if (is_word(m, "jmp") || is_word(m, "jmpq")) {
        in->kind = indirect || !c->has_addr ? INSN_INDIRECT : INSN_JMP;
    } else if (m[0] == 'j' && c->has_addr && !indirect) {
        in->kind = INSN_JCC;
    } else if (is_word(m, "ret") || is_word(m, "retq")) {
        in->kind = INSN_RET;
    } else if (is_word(m, "lea") && ops && strstr(ops, "(%rip)") &&
               c->has_addr) {
        const char *comma = strrchr(ops, ',');
        if (comma) {
            in->kind = INSN_LEA_RIP;
            size_t i = 0;
            for (comma++; *comma && *comma != ' ' && i < sizeof in->reg - 1;)
                in->reg[i++] = *comma++;
            in->reg[i] = '\0';
        }
    }
    in->target = c->has_addr ? c->addr : 0;
}

bool disasm_is(const struct insn *in, const char *mnemonic,
               const char *operands)
{
    const char *m = mnemonic_start(in->text);
    if (!is_word(m, mnemonic))
        return false;
    const char *o = m + strlen(mnemonic);
    for (;; o++) {
        while (*o == ' ')
            o++;
        if (*o != *operands)
            return false;
        if (!*o)
            return true;
        operands++;
    }
}

int disasm_one(const uint8_t *code, size_t avail, uint64_t vaddr,
               struct insn *out)
{
    static disassembler_ftype decode;
    if (!decode)
        decode = disassembler(bfd_arch_i386, false, bfd_mach_x86_64, NULL);
    if (!decode || avail == 0)
        return -1;

    struct capture cap = { .len = 0 };
    struct disassemble_info info;
#ifdef HAVE_STYLED_DISASSEMBLER
    init_disassemble_info(&info, &cap, capture_printf, capture_styled_printf);
#else
    init_disassemble_info(&info, &cap, capture_printf);
#endif
    info.arch = bfd_arch_i386;
    info.mach = bfd_mach_x86_64;
    info.buffer = (bfd_byte *)code;
    info.buffer_vma = vaddr;
    info.buffer_length = avail;
    info.print_address_func = capture_address;
    disassemble_init_for_target(&info);

    memset(out, 0, sizeof *out);
    int len = decode(vaddr, &info);
    if (len <= 0 || (size_t)len > avail)
        return -1;
    cap.text[cap.len] = '\0';
    out->addr = vaddr;
    out->len = len;
    snprintf(out->text, sizeof out->text, "%s", cap.text);
    classify(out, &cap);
    return len;
}
