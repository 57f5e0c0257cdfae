#include "fuzz_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char magic[8] = "NGXIMG1";
enum { MAX_SNAPSHOT_MAPPING = 256 << 20 };

void fuzz_image_free(struct fuzz_image *img)
{
    for (int i = 0; i < FUZZ_IMAGE_MAX_SEGMENTS; i++)
        free(img->owned[i]);
    memset(img, 0, sizeof *img);
}

static void link_image(struct fuzz_image *img, size_t nseg, size_t nsym)
{
    img->image.segments = img->segs;
    img->image.nsegments = nseg;
    img->image.symbols = img->syms;
    img->image.nsymbols = nsym;
}

bool fuzz_image_snapshot(struct fuzz_image *img, const struct mem_reader *r, pid_t pid)
{
    memset(img, 0, sizeof *img);
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = 0;
    while (fgets(line, sizeof line, f) && n < FUZZ_IMAGE_MAX_SEGMENTS) {
        unsigned long long lo, hi;
        char perms[8];
        if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
            hi - lo > MAX_SNAPSHOT_MAPPING || strstr(line, "[v"))
            continue;
        /* all of libc: its ELF headers, and the version banner, which
         * 2.31 keeps in its code segment (libc-2.31.so before 2.34) */
        bool libc = strstr(line, "/libc.so.6") || strstr(line, "/libc-2.");
        if (perms[1] != 'w' && !libc)
            continue;
        uint8_t *buf = malloc(hi - lo);
        if (!buf || mem_read(r, lo, buf, hi - lo) != 0) {
            free(buf);
            continue;
        }
        img->owned[n] = buf;
        img->segs[n] = (struct image_segment){ lo, buf, hi - lo };
        n++;
    }
    fclose(f);
    uint64_t a;
    size_t nsym = 0;
    if (r->symbol && r->symbol(r->ctx, "malloc_trim", &a)) {
        snprintf(img->names[0], sizeof img->names[0], "malloc_trim");
        img->syms[0] = (struct image_symbol){ img->names[0], a };
        nsym = 1;
    }
    link_image(img, n, nsym);
    return n > 0;
}

bool fuzz_image_save(const struct fuzz_image *img, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    uint32_t nsym = (uint32_t)img->image.nsymbols, nseg = (uint32_t)img->image.nsegments;
    fwrite(magic, 1, sizeof magic, f);
    fwrite(&nsym, 4, 1, f);
    for (uint32_t i = 0; i < nsym; i++) {
        char name[32] = "";
        snprintf(name, sizeof name, "%s", img->syms[i].name);
        fwrite(name, 1, sizeof name, f);
        fwrite(&img->syms[i].addr, 8, 1, f);
    }
    fwrite(&nseg, 4, 1, f);
    for (uint32_t i = 0; i < nseg; i++) {
        uint64_t len = img->segs[i].len;
        fwrite(&img->segs[i].addr, 8, 1, f);
        fwrite(&len, 8, 1, f);
        fwrite(img->segs[i].data, 1, len, f);
    }
    return fclose(f) == 0;
}

/* Every length is checked against what is left: the input is hostile. */
bool fuzz_image_parse(struct fuzz_image *img, const uint8_t *data, size_t len)
{
    memset(img, 0, sizeof *img);
    size_t off = 0;
#define TAKE(dst, n)                                                                 \
    do {                                                                             \
        if (len - off < (size_t)(n))                                                 \
            return false;                                                            \
        memcpy((dst), data + off, (n));                                              \
        off += (n);                                                                  \
    } while (0)
    char m[8];
    TAKE(m, 8);
    if (memcmp(m, magic, 8) != 0)
        return false;
    uint32_t nsym, nseg;
    TAKE(&nsym, 4);
    if (nsym > FUZZ_IMAGE_MAX_SYMBOLS)
        return false;
    for (uint32_t i = 0; i < nsym; i++) {
        TAKE(img->names[i], 32);
        img->names[i][31] = '\0';
        img->syms[i].name = img->names[i];
        TAKE(&img->syms[i].addr, 8);
    }
    TAKE(&nseg, 4);
    if (nseg > FUZZ_IMAGE_MAX_SEGMENTS)
        return false;
    for (uint32_t i = 0; i < nseg; i++) {
        uint64_t seglen;
        TAKE(&img->segs[i].addr, 8);
        TAKE(&seglen, 8);
        if (seglen > len - off)
            return false;
        img->segs[i].data = data + off;
        img->segs[i].len = (size_t)seglen;
        off += (size_t)seglen;
    }
#undef TAKE
    link_image(img, nseg, nsym);
    return true;
}

uint64_t fuzz_image_mapped_file(pid_t pid, const char *which, char *path, size_t len)
{
    char maps[64], line[1024];
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(maps, "r");
    unsigned long long lo = 0, off;
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *file = strchr(line, '/');
        found = file && strstr(file, which) &&
                sscanf(line, "%llx-%*[0-9a-f] %*s %llx", &lo, &off) == 2 && off == 0;
        if (found && path)
            snprintf(path, len, "%s", file);
    }
    if (f)
        fclose(f);
    return found ? lo : 0;
}
