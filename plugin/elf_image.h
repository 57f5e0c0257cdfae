/* Read-only view of an ELF file (GDB's executable or its debug file):
 * sections the resolver needs, symbol lookup, and function bounds from
 * .eh_frame. Addresses are link-time (file) addresses. */
#ifndef NGXMEM_ELF_IMAGE_H
#define NGXMEM_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct section_view {
    uint64_t vaddr;
    uint64_t size;
    const uint8_t *data;   /* NULL for NOBITS or absent sections */
};

struct elf_image {
    int fd;
    void *elf;             /* Elf * */
    struct section_view text, rodata, plt, plt_sec, plt_got;
    struct section_view eh_frame_hdr, eh_frame;
    struct section_view gnu_debugdata;  /* MiniDebugInfo (xz), if any */
    char build_id[41];     /* hex, "" if none */
    char path[512];        /* or a label, for an image in memory */
    void *owned;           /* the bytes of an image in memory */
};

int elf_image_open(struct elf_image *img, const char *path, char *err,
                   size_t errlen);
/* An ELF image in BUF (LEN bytes, malloc'ed: the image owns it from
 * here, even on failure); LABEL names it in messages. */
int elf_image_open_memory(struct elf_image *img, void *buf, size_t len,
                          const char *label, char *err, size_t errlen);
void elf_image_close(struct elf_image *img);

/* Look NAME up in .symtab (then .dynsym). Returns true and the value. */
bool elf_image_symbol(const struct elf_image *img, const char *name,
                      uint64_t *value);

/* Bounds [start, end) of the function (FDE) covering ADDR, from the
 * binary-search table of .eh_frame_hdr. */
bool elf_image_function_bounds(const struct elf_image *img, uint64_t addr,
                               uint64_t *start, uint64_t *end);

/* Start of the function (FDE) that follows the one covering ADDR. */
bool elf_image_next_function(const struct elf_image *img, uint64_t addr,
                             uint64_t *next);

static inline bool section_contains(const struct section_view *s, uint64_t a)
{
    return s->size && a >= s->vaddr && a - s->vaddr < s->size;
}

#endif
