#include "glibc_layout.h"

#include <stddef.h>

/* malloc_state has been identical from 2.27 (have_fastchunks added) to
 * 2.42; 2.43 dropped the fastbins. mp_ gained the hugetlb fields in 2.35
 * and thp_mode and the large tcache bins (tcache_small_bins, num_slots)
 * by 2.43; heap_info gained pagesize in 2.34 (after the size fields: no
 * offset we use moved); safe-linking 2.32; the random tcache_key 2.34.
 * Checked against the DWARF of libc6-dbg 2.31, 2.36, 2.41 and 2.43. */
static const struct glibc_layout layouts[] = {
    { 28, 34,
      0x04, 0x10, 10, 0x60, 0x70, 0x870, 0x880, 0x888, 0x898,
      0x00, 0x08, 0x28, 0x38, 0x48, 0, 0, 0x70, false, 0x408, 7,
      0x00, 0x08, 0x10, 0x18, 0x20,
      false, TCACHE_KEY_STRUCT, 64, 0x80, 0x290, false, 0 },
    { 35, 41,
      0x04, 0x10, 10, 0x60, 0x70, 0x870, 0x880, 0x888, 0x898,
      0x00, 0x08, 0x3c, 0x50, 0x60, 0x30, 0x28, 0x88, true, 0x408, 7,
      0x00, 0x08, 0x10, 0x18, 0x30,
      true, TCACHE_KEY_RANDOM, 64, 0x80, 0x290, false, 0 },
    { 43, 43,
      0x04, 0, 0, 0x08, 0x18, 0x818, 0x828, 0x830, 0x840,
      0x00, 0x08, 0x44, 0x58, 0x68, 0x38, 0x30, 0x90, true, 0x411, 16,
      0x00, 0x08, 0x10, 0x18, 0x30,
      true, TCACHE_KEY_RANDOM, 76, 0x98, 0x300, true, 0 },
};
enum { NLAYOUTS = sizeof layouts / sizeof layouts[0] };

const char *glibc_layout_known_versions(void)
{
    return "2.28 to 2.41, 2.43";
}

static int distance(const struct glibc_layout *l, int minor)
{
    return minor < l->min_minor ? l->min_minor - minor
           : minor > l->max_minor ? minor - l->max_minor : 0;
}

const struct glibc_layout *glibc_layout_for(int minor)
{
    if (minor < layouts[0].min_minor)
        return NULL;
    /* the nearest row; on a tie the newer one (changes accumulate) */
    const struct glibc_layout *l = &layouts[0];
    for (int i = 1; i < NLAYOUTS; i++)
        if (distance(&layouts[i], minor) <= distance(l, minor))
            l = &layouts[i];
    if (distance(l, minor) != 0) {
        static struct glibc_layout guessed;
        guessed = *l;
        guessed.nearest_of = l->max_minor;
        return &guessed;
    }
    if (minor >= 35)
        return l;
    /* Per-version differences inside the 2.28-2.34 row. */
    static struct glibc_layout early[7];
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
