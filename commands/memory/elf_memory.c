#define _GNU_SOURCE
#include "elf_memory.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

enum {
    PAGE = 4096,
    SCAN_LIMIT = 64 << 20,      /* how far below an address its ELF header may be */
    CHUNK = 1 << 20,
    MAX_SEGMENT = 256 << 20,    /* larger PT_LOADs: a corrupt header, not libc */
};

static bool is_elf_header(const struct mem_reader *m, uint64_t a)
{
    unsigned char ident[EI_NIDENT];
    return mem_read(m, a, ident, sizeof ident) == 0 &&
           memcmp(ident, ELFMAG, SELFMAG) == 0 && ident[EI_CLASS] == ELFCLASS64;
}

static bool read_loads(const struct mem_reader *m, struct elf_memory *e)
{
    Elf64_Ehdr eh;
    if (mem_read(m, e->base, &eh, sizeof eh) != 0 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phnum == 0 || eh.e_phnum > 64)
        return false;
    e->nloads = 0;
    uint64_t bias = 0;
    for (int i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        if (mem_read(m, e->base + eh.e_phoff + (uint64_t)i * sizeof ph, &ph, sizeof ph) != 0)
            return false;
        if (ph.p_type != PT_LOAD || ph.p_memsz > MAX_SEGMENT)
            continue;
        if (e->nloads == 0)
            bias = e->base - (ph.p_vaddr & ~(uint64_t)(PAGE - 1));
        if (e->nloads == ELF_MEMORY_MAX_LOADS)
            break;
        e->loads[e->nloads].addr = bias + ph.p_vaddr;
        e->loads[e->nloads].size = ph.p_memsz;
        e->loads[e->nloads].writable = ph.p_flags & PF_W;
        e->loads[e->nloads].exec = ph.p_flags & PF_X;
        e->nloads++;
    }
    return e->nloads > 0;
}

bool elf_memory_from_address(const struct mem_reader *m, uint64_t addr,
                             struct elf_memory *out)
{
    memset(out, 0, sizeof *out);
    uint64_t page = addr & ~(uint64_t)(PAGE - 1);
    for (uint64_t back = 0; back < SCAN_LIMIT && back <= page; back += PAGE)
        if (is_elf_header(m, page - back)) {
            out->base = page - back;
            return read_loads(m, out);
        }
    return false;
}

bool elf_memory_find(const struct mem_reader *m, const struct elf_memory *e,
                     const void *needle, size_t len, uint64_t *at)
{
    unsigned char *buf = malloc(CHUNK + len);
    if (!buf)
        return false;
    bool found = false;
    /* Data first; then code, where older linkers put .rodata too (glibc
     * 2.31's banner is in its one R+X segment). */
    for (int k = 0; k < 2 * e->nloads && !found; k++) {
        int i = k % e->nloads;
        if (e->loads[i].exec != (k >= e->nloads))
            continue;
        for (uint64_t off = 0; off < e->loads[i].size && !found; off += CHUNK) {
            uint64_t n = e->loads[i].size - off;
            n = n > CHUNK + len ? CHUNK + len : n;
            if (mem_read(m, e->loads[i].addr + off, buf, n) != 0)
                break;                  /* the rest of the segment is not mapped */
            unsigned char *hit = memmem(buf, n, needle, len);
            if (hit) {
                *at = e->loads[i].addr + off + (uint64_t)(hit - buf);
                found = true;
            }
        }
    }
    free(buf);
    return found;
}
