/* lua_shared_dict contents (lua-nginx-module >= 0.10.7 layout, notes §7),
 * walked through the LRU queue: bounded, no recursion. */
#ifndef NGXMEM_NGINX_SHDICT_H
#define NGXMEM_NGINX_SHDICT_H

#include "nginx_shm.h"

enum { SHDICT_TOP_MAX = 100, SHDICT_TYPES = 6 };

struct shdict_entry {
    struct inferior_text key;
    uint16_t key_len;
    uint64_t alloc, value_len, expires;
    int type;
};

struct shdict_report {
    uint64_t keys, expired, key_bytes, value_bytes, alloc_bytes;
    uint64_t by_type[SHDICT_TYPES];      /* 0 nil 1 boolean 3 number 4 string 5 list */
    struct shdict_entry newest, oldest;
    struct shdict_entry top[SHDICT_TOP_MAX];
    int ntop, want_top;
};

/* NOW_MS: the clock expiry is judged against (ms since the epoch). EACH
 * (may be NULL) gets every entry, newest first. */
typedef void (*shdict_entry_fn)(void *arg, uint64_t node, const struct shdict_entry *e);
bool nginx_shdict_report(const struct mem_reader *m, const struct ngx_zone *zone,
                         uint64_t now_ms, int top, shdict_entry_fn each, void *each_arg,
                         struct shdict_report *r, char *err, size_t errlen);

extern const char *const shdict_type_names[SHDICT_TYPES];

#endif
