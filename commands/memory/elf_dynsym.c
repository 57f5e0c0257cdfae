#include "elf_dynsym.h"

#include <elf.h>
#include <string.h>

enum {
    MAX_PHDRS = 64,
    MAX_DYNAMIC = 256,       /* entries read of a dynamic section */
    MAX_CHAIN = 4096,        /* hash chain steps per object and name */
    MAX_NAME = 256,
};

/* Reads the section into DYN: the entries before DT_NULL, -1 if unreadable. */
static int read_dynamic(const struct mem_reader *m, uint64_t at, Elf64_Dyn *dyn)
{
    int n = 0;
    while (n < MAX_DYNAMIC) {
        /* 16 entries a read (sections have a few dozen); one at a time
         * where that crosses the end of the mapping */
        int want = MAX_DYNAMIC - n < 16 ? MAX_DYNAMIC - n : 16;
        if (mem_read(m, at + (uint64_t)n * sizeof *dyn, dyn + n, (size_t)want * sizeof *dyn) != 0)
            want = 1;
        if (want == 1 && mem_read(m, at + (uint64_t)n * sizeof *dyn, dyn + n, sizeof *dyn) != 0)
            return n ? n : -1;
        for (int i = n; i < n + want; i++)
            if (dyn[i].d_tag == DT_NULL)
                return i;
        n += want;
    }
    return n;
}

/* DT_DEBUG of the executable: r_debug, set by the dynamic linker. */
static uint64_t executable_r_debug(const struct mem_reader *m, uint64_t phdr, uint64_t phnum)
{
    if (phnum == 0 || phnum > MAX_PHDRS)
        return 0;
    Elf64_Phdr ph[MAX_PHDRS];
    if (mem_read(m, phdr, ph, (size_t)phnum * sizeof *ph) != 0)
        return 0;
    uint64_t bias = 0, dynamic = 0;
    bool have_bias = false;
    for (uint64_t i = 0; i < phnum; i++)
        if (ph[i].p_type == PT_PHDR) {
            bias = phdr - ph[i].p_vaddr;
            have_bias = true;
        }
    for (uint64_t i = 0; i < phnum && have_bias; i++)
        if (ph[i].p_type == PT_DYNAMIC)
            dynamic = bias + ph[i].p_vaddr;
    Elf64_Dyn dyn[MAX_DYNAMIC];
    int n = dynamic ? read_dynamic(m, dynamic, dyn) : -1;
    for (int i = 0; i < n; i++)
        if (dyn[i].d_tag == DT_DEBUG)
            return dyn[i].d_un.d_ptr;
    return 0;
}

/* The linker relocates the address entries of a writable dynamic section
 * in place (x86-64); the vDSO's, read-only, keep their link-time values. */
static uint64_t run_time(uint64_t bias, uint64_t ptr)
{
    return ptr < bias ? ptr + bias : ptr;
}

static bool object_from_dynamic(const struct mem_reader *m, uint64_t bias, uint64_t at,
                                struct dynsym_object *o)
{
    Elf64_Dyn dyn[MAX_DYNAMIC];
    int n = read_dynamic(m, at, dyn);
    memset(o, 0, sizeof *o);
    o->bias = bias;
    for (int i = 0; i < n; i++) {
        uint64_t v = dyn[i].d_un.d_ptr;
        switch (dyn[i].d_tag) {
        case DT_SYMTAB: o->symtab = run_time(bias, v); break;
        case DT_STRTAB: o->strtab = run_time(bias, v); break;
        case DT_STRSZ: o->strsz = v; break;
        case DT_GNU_HASH: o->gnu_hash = run_time(bias, v); break;
        case DT_VERSYM: o->versym = run_time(bias, v); break;
        case DT_SYMENT:
            if (v != sizeof(Elf64_Sym))
                return false;
            break;
        }
    }
    return o->symtab && o->strtab && o->strsz && o->gnu_hash;
}

bool dynsym_table_load(const struct mem_reader *m, uint64_t phdr, uint64_t phnum,
                       struct dynsym_table *t)
{
    t->n = 0;
    uint64_t r_debug = executable_r_debug(m, phdr, phnum), map = 0;
    /* struct r_debug { int r_version; struct link_map *r_map; ... } */
    if (!r_debug || !mem_read_u64(m, r_debug + 8, &map))
        return false;
    /* struct link_map { l_addr, l_name, l_ld, l_next, l_prev }: the list
     * is bounded by the table, so a cycle ends there */
    for (int k = 0; map && k < DYNSYM_MAX_OBJECTS; k++) {
        uint64_t lm[4];
        if (mem_read(m, map, lm, sizeof lm) != 0)
            break;
        if (lm[2] && object_from_dynamic(m, lm[0], lm[2], &t->objects[t->n]))
            t->n++;
        map = lm[3];
    }
    return t->n > 0;
}

static uint32_t gnu_hash(const char *name)
{
    uint32_t h = 5381;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = h * 33 + *p;
    return h;
}

static bool name_is(const struct mem_reader *m, const struct dynsym_object *o, uint32_t at,
                    const char *name, size_t len)
{
    char got[MAX_NAME + 1];
    if (at >= o->strsz || o->strsz - at < len + 1 || mem_read(m, o->strtab + at, got, len + 1) != 0)
        return false;
    return memcmp(got, name, len) == 0 && got[len] == '\0';
}

/* A definition GDB's "&NAME" would give the same address for. */
static bool defines(const struct mem_reader *m, const struct dynsym_object *o, uint32_t index,
                    const Elf64_Sym *s)
{
    int type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);
    if (s->st_shndx == SHN_UNDEF || s->st_shndx == SHN_ABS ||
        (type != STT_OBJECT && type != STT_FUNC && type != STT_NOTYPE) ||
        (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE))
        return false;
    uint16_t version = 0;
    /* an old version kept for old binaries (memcpy@GLIBC_2.2.5) */
    return !o->versym || (mem_read(m, o->versym + 2ull * index, &version, 2) == 0 &&
                          !(version & 0x8000));
}

static bool object_lookup(const struct mem_reader *m, const struct dynsym_object *o,
                          const char *name, size_t len, uint32_t h, uint64_t *addr)
{
    uint32_t head[4];   /* nbuckets, symoffset, bloom words, bloom shift */
    if (mem_read(m, o->gnu_hash, head, sizeof head) != 0 || !head[0] || !head[2] ||
        (head[2] & (head[2] - 1)))
        return false;
    uint64_t bloom_at = o->gnu_hash + 16, word;
    if (!mem_read_u64(m, bloom_at + 8ull * ((h / 64) & (head[2] - 1)), &word))
        return false;
    uint64_t mask = (1ull << (h % 64)) | (1ull << ((h >> (head[3] & 31)) % 64));
    if ((word & mask) != mask)
        return false;
    uint64_t buckets = bloom_at + 8ull * head[2], chain = buckets + 4ull * head[0];
    uint32_t index;
    if (mem_read(m, buckets + 4ull * (h % head[0]), &index, 4) != 0 || index < head[1])
        return false;
    for (int step = 0; step < MAX_CHAIN; step++, index++) {
        uint32_t ch;
        if (mem_read(m, chain + 4ull * (index - head[1]), &ch, 4) != 0)
            return false;
        Elf64_Sym s;
        if ((ch | 1) == (h | 1) &&
            mem_read(m, o->symtab + (uint64_t)index * sizeof s, &s, sizeof s) == 0 &&
            name_is(m, o, s.st_name, name, len) && defines(m, o, index, &s)) {
            *addr = o->bias + s.st_value;
            return true;
        }
        if (ch & 1)
            return false;
    }
    return false;
}

bool dynsym_lookup(const struct mem_reader *m, const struct dynsym_table *t, const char *name,
                   uint64_t *addr)
{
    size_t len = strlen(name);
    if (len == 0 || len > MAX_NAME)
        return false;
    uint32_t h = gnu_hash(name);
    for (int i = 0; i < t->n; i++)
        if (object_lookup(m, &t->objects[i], name, len, h, addr))
            return true;
    return false;
}
