#include "glibc_layout.h"

#include <stddef.h>

/* malloc_state has been identical since 2.27 (have_fastchunks added);
 * mp_ gained the hugetlb fields in 2.35; heap_info gained pagesize in
 * 2.34 (after size fields: no offset we use moved); safe-linking 2.32;
 * the random tcache_key 2.34. Checked against libc6-dbg 2.36 DWARF. */
static const struct glibc_layout layouts[] = {
    { 28, 34,
      0x04, 0x10, 0x60, 0x70, 0x870, 0x880, 0x888, 0x898,
      0x00, 0x08, 0x28, 0x38, 0x48, 0, 0, 0x70, false,
      0x00, 0x08, 0x10, 0x18, 0x20,
      false, TCACHE_KEY_STRUCT },
    { 35, 40,
      0x04, 0x10, 0x60, 0x70, 0x870, 0x880, 0x888, 0x898,
      0x00, 0x08, 0x3c, 0x50, 0x60, 0x30, 0x28, 0x88, true,
      0x00, 0x08, 0x10, 0x18, 0x30,
      true, TCACHE_KEY_RANDOM },
};

static const struct glibc_layout *pick(int minor)
{
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        if (minor >= layouts[i].min_minor && minor <= layouts[i].max_minor)
            return &layouts[i];
    return NULL;
}

const struct glibc_layout *glibc_layout_for(int minor)
{
    /* Per-version differences inside the 2.28-2.34 row. */
    static struct glibc_layout early[7];
    const struct glibc_layout *l = pick(minor);
    if (!l || minor >= 35)
        return l;
    struct glibc_layout *e = &early[minor - 28];
    *e = *l;
    e->safe_linking = minor >= 32;
    e->tcache_key = minor >= 34 ? TCACHE_KEY_RANDOM
                    : minor >= 29 ? TCACHE_KEY_STRUCT : TCACHE_KEY_NONE;
    e->hi_size_of = minor >= 34 ? 0x30 : 0x20;
    return e;
}

int glibc_bin_index(uint64_t sz)
{
    if (sz < 0x400)
        return (int)(sz >> 4);
    if ((sz >> 6) <= 48)
        return 48 + (int)(sz >> 6);
    if ((sz >> 9) <= 20)
        return 91 + (int)(sz >> 9);
    if ((sz >> 12) <= 10)
        return 110 + (int)(sz >> 12);
    if ((sz >> 15) <= 4)
        return 119 + (int)(sz >> 15);
    if ((sz >> 18) <= 2)
        return 124 + (int)(sz >> 18);
    return 126;
}
