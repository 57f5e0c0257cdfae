#include "image_reader.h"

#include <string.h>

static int image_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const struct image *img = ctx;
    for (size_t i = 0; i < img->nsegments; i++) {
        const struct image_segment *s = &img->segments[i];
        if (addr >= s->addr && addr - s->addr <= s->len &&
            len <= s->len - (addr - s->addr)) {
            memcpy(buf, s->data + (addr - s->addr), len);
            return 0;
        }
    }
    return -1;
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

struct mem_reader image_reader(const struct image *img)
{
    struct mem_reader r = { image_read, image_symbol, NULL, (void *)img };
    return r;
}
