#include "elf_image.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void read_section(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
                         struct section_view *out)
{
    out->vaddr = sh->sh_addr;
    out->size = sh->sh_size;
    out->data = NULL;
    if (sh->sh_type == SHT_NOBITS)
        return;
    Elf_Data *d = elf_getdata(scn, NULL);
    if (d && d->d_size == sh->sh_size)
        out->data = d->d_buf;
    (void)elf;
}

static void read_build_id(Elf *elf, char *out)
{
    const void *id = NULL;
    out[0] = '\0';
    ssize_t n = dwelf_elf_gnu_build_id(elf, &id);
    if (n <= 0 || n > 20)
        return;
    for (ssize_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", ((const unsigned char *)id)[i]);
}

/* Sections and build-id of an ELF already begun (from a file or memory). */
static int image_init(struct elf_image *img, Elf *elf, char *err, size_t errlen)
{
    if (!elf || elf_kind(elf) != ELF_K_ELF) {
        snprintf(err, errlen, "%s is not an ELF file", img->path);
        if (elf)
            elf_end(elf);
        elf_image_close(img);
        return -1;
    }
    img->elf = elf;
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0) {
        snprintf(err, errlen, "%s has no section names", img->path);
        elf_image_close(img);
        return -1;
    }
    struct { const char *name; struct section_view *view; } wanted[] = {
        { ".text", &img->text },       { ".rodata", &img->rodata },
        { ".plt", &img->plt },         { ".plt.sec", &img->plt_sec },
        { ".plt.got", &img->plt_got }, { ".eh_frame_hdr", &img->eh_frame_hdr },
        { ".eh_frame", &img->eh_frame }, { ".gnu_debugdata", &img->gnu_debugdata },
    };
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn;
         scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
        if (!name)
            continue;
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
            if (strcmp(name, wanted[i].name) == 0)
                read_section(elf, scn, &sh, wanted[i].view);
    }
    read_build_id(elf, img->build_id);
    return 0;
}

static void image_reset(struct elf_image *img, const char *label)
{
    memset(img, 0, sizeof *img);
    img->fd = -1;
    snprintf(img->path, sizeof img->path, "%s", label);
    elf_version(EV_CURRENT);
}

int elf_image_open(struct elf_image *img, const char *path, char *err,
                   size_t errlen)
{
    image_reset(img, path);
    img->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (img->fd < 0) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    return image_init(img, elf_begin(img->fd, ELF_C_READ_MMAP, NULL), err, errlen);
}

int elf_image_open_memory(struct elf_image *img, void *buf, size_t len,
                          const char *label, char *err, size_t errlen)
{
    image_reset(img, label);
    img->owned = buf;
    return image_init(img, elf_memory(buf, len), err, errlen);
}

void elf_image_close(struct elf_image *img)
{
    if (img->elf)
        elf_end(img->elf);
    if (img->fd >= 0)
        close(img->fd);
    free(img->owned);
    img->owned = NULL;
    img->elf = NULL;
    img->fd = -1;
}

static bool symbol_in_table(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
                            const char *name, uint64_t *value)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || sh->sh_entsize == 0)
        return false;
    size_t n = sh->sh_size / sh->sh_entsize;
    for (size_t i = 0; i < n; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(d, (int)i, &sym) || sym.st_value == 0)
            continue;
        const char *s = elf_strptr(elf, sh->sh_link, sym.st_name);
        if (s && strcmp(s, name) == 0) {
            *value = sym.st_value;
            return true;
        }
    }
    return false;
}

bool elf_image_symbol(const struct elf_image *img, const char *name,
                      uint64_t *value)
{
    Elf *elf = img->elf;
    static const Elf64_Word order[] = { SHT_SYMTAB, SHT_DYNSYM };
    for (size_t k = 0; k < 2; k++)
        for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn;
             scn = elf_nextscn(elf, scn)) {
            GElf_Shdr sh;
            if (gelf_getshdr(scn, &sh) && sh.sh_type == order[k] &&
                symbol_in_table(elf, scn, &sh, name, value))
                return true;
        }
    return false;
}

/* Encodings GCC and the linker emit on x86-64; anything else is refused
 * rather than guessed. */
enum {
    EH_TABLE_DATAREL_SDATA4 = 0x3b,  /* .eh_frame_hdr table entries */
    EH_HDR_VERSION = 1,
};

static int32_t read_s32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* FDE at file address FDE: check it starts where the table says and
 * return its pc_range (pcrel sdata4 pc_begin, sdata4 pc_range). */
static bool fde_range(const struct elf_image *img, uint64_t fde,
                      uint64_t start, uint64_t *range)
{
    const struct section_view *f = &img->eh_frame;
    if (!section_contains(f, fde) || !f->data || fde + 16 > f->vaddr + f->size)
        return false;
    const uint8_t *p = f->data + (fde - f->vaddr);
    uint32_t len;
    memcpy(&len, p, 4);
    if (len == 0xffffffffu || len < 12 || fde + 4 + len > f->vaddr + f->size)
        return false;
    uint64_t pc_begin = fde + 8 + (int64_t)read_s32(p + 8);
    int32_t pc_range = read_s32(p + 12);
    if (pc_begin != start || pc_range <= 0)
        return false;
    *range = (uint64_t)pc_range;
    return true;
}

/* The sorted (initial location, FDE) table of .eh_frame_hdr, checked. */
static const uint8_t *fde_table(const struct elf_image *img, uint32_t *count)
{
    const struct section_view *h = &img->eh_frame_hdr;
    if (!h->data || h->size < 12 || h->data[0] != EH_HDR_VERSION ||
        h->data[3] != EH_TABLE_DATAREL_SDATA4 || h->data[2] != 0x03)
        return NULL;
    /* eh_frame_ptr is encoded per data[1] (pcrel sdata4 in practice, 4
     * bytes); fde_count is udata4 (0x03, checked above). */
    if ((h->data[1] & 0x0f) != 0x0b)
        return NULL;
    memcpy(count, h->data + 8, 4);
    if (*count == 0 || 12 + (uint64_t)*count * 8 > h->size)
        return NULL;
    return h->data + 12;
}

/* Index of the last entry with initial location <= ADDR. */
static uint64_t fde_index(const struct elf_image *img, const uint8_t *table,
                          uint32_t count, uint64_t addr)
{
    const struct section_view *h = &img->eh_frame_hdr;
    uint64_t lo = 0, hi = count;
    while (hi - lo > 1) {  /* last entry with initial_loc <= addr */
        uint64_t mid = (lo + hi) / 2;
        if (h->vaddr + (int64_t)read_s32(table + mid * 8) <= addr)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

bool elf_image_function_bounds(const struct elf_image *img, uint64_t addr,
                               uint64_t *start, uint64_t *end)
{
    const struct section_view *h = &img->eh_frame_hdr;
    uint32_t count;
    const uint8_t *table = fde_table(img, &count);
    if (!table)
        return false;
    uint64_t lo = fde_index(img, table, count, addr);
    uint64_t s = h->vaddr + (int64_t)read_s32(table + lo * 8);
    uint64_t fde = h->vaddr + (int64_t)read_s32(table + lo * 8 + 4);
    uint64_t range;
    if (s > addr || !fde_range(img, fde, s, &range) || addr - s >= range)
        return false;
    *start = s;
    *end = s + range;
    return true;
}

bool elf_image_next_function(const struct elf_image *img, uint64_t addr,
                             uint64_t *next)
{
    uint32_t count;
    const uint8_t *table = fde_table(img, &count);
    if (!table)
        return false;
    uint64_t i = fde_index(img, table, count, addr) + 1;
    if (i >= count)
        return false;
    *next = img->eh_frame_hdr.vaddr + (int64_t)read_s32(table + i * 8);
    return *next > addr;
}
