/* glibc malloc structure layouts (x86-64), keyed by glibc version. */
#ifndef NGXMEM_GLIBC_LAYOUT_H
#define NGXMEM_GLIBC_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

enum tcache_key_kind {
    TCACHE_KEY_NONE,        /* 2.26-2.28: no key field */
    TCACHE_KEY_STRUCT,      /* 2.29-2.33: key = the thread's tcache struct */
    TCACHE_KEY_RANDOM,      /* 2.34+: process-wide random tcache_key */
};

struct glibc_layout {
    int min_minor, max_minor;   /* glibc 2.<min>..2.<max> */
    /* struct malloc_state (nfastbins 0: 2.43 removed the fastbins) */
    uint32_t ms_flags, ms_fastbins, nfastbins, ms_top, ms_bins, ms_next,
        ms_attached_threads, ms_system_mem, ms_size;
    /* struct malloc_par (mp_) */
    uint32_t mp_trim_threshold, mp_top_pad, mp_n_mmaps, mp_mmapped_mem,
        mp_sbrk_base, mp_hp_pagesize, mp_thp_pagesize, mp_size;
    bool mp_has_hugetlb;
    /* mp_'s tcache defaults (bins, max_bytes, count), the last four words
     * but one: how mp_ is recognised without symbols */
    uint32_t mp_default_tcache_max_bytes, mp_default_tcache_count;
    /* struct heap_info */
    uint32_t hi_ar_ptr, hi_prev, hi_size, hi_mprotect_size, hi_size_of;
    bool safe_linking;
    enum tcache_key_kind tcache_key;
    /* struct tcache_perthread_struct: uint16_t counts[bins] then entries;
     * slots_left: 2.42+ count free slots (num_slots) instead of entries */
    uint32_t tcache_bins, tcache_entries, tcache_struct_chunk;
    bool tcache_slots_left;
    /* the version this layout was measured on, when chosen as the
     * nearest for an unknown glibc (then self-checked, with a note) */
    int nearest_of;
};

enum {
    GLIBC_MAX_FASTBINS = 10,
    GLIBC_NBINS = 128,
    GLIBC_MINSIZE = 0x20,
    GLIBC_MALLOC_ALIGN = 16,
    GLIBC_MAX_TCACHE_BINS = 76,
    GLIBC_MAX_TCACHE_STRUCT = 0x300,
    GLIBC_TCACHE_SMALL_MAX_CHUNK = 0x410,  /* chunks tcache'd by default */
    GLIBC_DEFAULT_MXFAST = 0x80,
    GLIBC_DEFAULT_MMAP_THRESHOLD = 128 * 1024,   /* mp_'s defaults, when mp_ is unknown */
    GLIBC_DEFAULT_TOP_PAD = 128 * 1024,
    GLIBC_HEAP_MAX_DEFAULT = 64 << 20,
    GLIBC_PREV_INUSE = 1,
    GLIBC_IS_MMAPPED = 2,
    GLIBC_NON_MAIN_ARENA = 4,
};

static inline uint64_t glibc_chunksize(uint64_t size_field)
{
    return size_field & ~(uint64_t)7;
}

/* Layout for glibc 2.MINOR, or NULL when older than 2.28. A version with
 * no measured layout gets the nearest one with nearest_of set: the caller
 * must self-check it against memory before trusting it. */
const struct glibc_layout *glibc_layout_for(int minor);

/* "2.28 to 2.41, 2.43": the versions with a measured layout. */
const char *glibc_layout_known_versions(void);

/* bin_index() of glibc for a chunk size (64-bit). */
int glibc_bin_index(uint64_t size);

#endif
