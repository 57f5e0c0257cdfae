#include "image_reader.h"

#include <string.h>

/* An image is a copy: reading it has no effects anywhere. */
static bool image_quiet_extent(void *ctx, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    (void)ctx;
    (void)addr;
    *lo = 0;
    *hi = UINT64_MAX;
    return true;
}

/* A read may span adjacent segments, as it may span adjacent mappings. */
static int image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const struct image *img = ctx;
    uint8_t *out = buf;
    while (len) {
        const struct image_segment *hit = NULL;
        for (size_t i = 0; i < img->nsegments && !hit; i++) {
            const struct image_segment *s = &img->segments[i];
            if (addr >= s->addr && addr - s->addr < s->len)
                hit = s;
        }
        if (!hit)
            return -1;
        size_t n = hit->len - (size_t)(addr - hit->addr);
        n = n < len ? n : len;
        memcpy(out, hit->data + (addr - hit->addr), n);
        out += n;
        addr += n;
        len -= n;
    }
    return 0;
}

static bool image_symbol(void *ctx, const char *name, uint64_t *addr)
{
    const struct image *img = ctx;
    for (size_t i = 0; i < img->nsymbols; i++)
        if (strcmp(img->symbols[i].name, name) == 0) {
            *addr = img->symbols[i].addr;
            return true;
        }
    return false;
}

/* Reading an image only copies from it: any thread may. */
static bool image_concurrent_reader(void *ctx, struct mem_reader *out)
{
    *out = (struct mem_reader){ .read = image_read, .ctx = ctx };
    return true;
}

struct mem_reader image_reader(const struct image *img)
{
    struct mem_reader r = { image_read, image_symbol, NULL, (void *)img, image_quiet_extent,
                            NULL, image_concurrent_reader };
    return r;
}
