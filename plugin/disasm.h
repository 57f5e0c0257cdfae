/* One x86-64 instruction decoded by libopcodes, reduced to what the
 * anchor resolver needs to know about it. */
#ifndef NGXMEM_DISASM_H
#define NGXMEM_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum insn_kind {
    INSN_OTHER,
    INSN_CALL,        /* direct call: target set */
    INSN_JMP,         /* direct unconditional jump: target set */
    INSN_JCC,         /* direct conditional jump: target set */
    INSN_LEA_RIP,     /* lea disp(%rip),%reg: target = address, reg set */
    INSN_RET,
    INSN_INDIRECT,    /* call/jmp through register or memory */
};

struct insn {
    uint64_t addr;
    int len;
    enum insn_kind kind;
    uint64_t target;
    char reg[8];      /* destination register of a lea, e.g. "%rdi" */
    char text[128];   /* libopcodes' AT&T text, for diagnostics */
};

/* Decode the instruction at VADDR; CODE points at its bytes and AVAIL
 * bytes are readable. Returns its length, or -1 if it does not decode. */
int disasm_one(const uint8_t *code, size_t avail, uint64_t vaddr,
               struct insn *out);

/* True if IN is MNEMONIC with exactly these AT&T OPERANDS (no spaces),
 * e.g. disasm_is(in, "mov", "(%rax),%rdi"). */
bool disasm_is(const struct insn *in, const char *mnemonic,
               const char *operands);

#endif
