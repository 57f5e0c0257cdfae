/* What ngx-lua-gc and ngx-report both say of LuaJIT's GC: the census and
 * the biggest objects' paths, gathered once, and the tables that show
 * them (one model for the command and the report's LuaJIT section). */
#ifndef NGXMEM_LUA_GC_OUTPUT_H
#define NGXMEM_LUA_GC_OUTPUT_H

#include "lua_alloc.h"
#include "lua_gc.h"
#include "lua_gc_path.h"
#include "result.h"

/* The paths of the census' biggest objects and of an asked object (the
 * last): "" where no root reaches it */
struct lua_gc_paths {
    char path[LUA_GC_TOP + 1][LUA_GC_PATH];
    bool asked;                  /* --path */
    uint64_t asked_address;
    struct lua_gc_path_search search;
};

/* The census of VM's objects (its TOP biggest) into C, and their paths
 * (and ASKED's, if P->asked) into P. False + ERR as lua_gc_census. */
bool lua_gc_gather(const struct mem_reader *m, const struct nginx_lua_vm *vm, int top,
                   struct lua_gc_census *c, struct lua_gc_paths *p, char *err, size_t errlen);

/* A path as a value: none where there is none */
struct value lua_gc_path_value(struct result *r, const char *path);

/* The by-type table under KEY (its shares charted) */
void lua_gc_by_type_table(struct result *r, const char *key, const char *title,
                          const struct lua_gc_census *c);
/* The biggest objects with their paths under KEY, and notes on those
 * without one */
void lua_gc_top_table(struct result *r, const char *key, const char *title,
                      const struct lua_gc_census *c, const struct lua_gc_paths *p);

/* LuaJIT's allocator walked, or why not */
struct lua_alloc_walked {
    bool walked;
    struct lua_alloc_stats stats;
    char why[256];
};

/* LuaJIT's allocator as a heap: facts under KEY, and its free chunks by
 * size under SIZES_KEY (the classes that have any); keys are literals */
void lua_alloc_result(struct result *r, const char *key, const char *sizes_key,
                      const char *title, const struct lua_alloc_stats *s);

#endif
