/* How a LuaJIT object is reached: the shortest chain of references from
 * the VM's roots - the globals (_G), then the registry, then the main
 * thread, then the GC's own (the base types' metatables, the metamethods'
 * names, the default files) - to it, as a Lua programmer would write it
 * (_G.package.loaded.mymod.cache["key"]). A breadth-first search over
 * tables, functions, upvalues, threads, userdata and protos in either
 * layout lua_gc.h reads, bounded in depth and objects, each object
 * visited once. Analysis only: memory through a mem_reader. */
#ifndef NGXMEM_LUA_GC_PATH_H
#define NGXMEM_LUA_GC_PATH_H

#include "nginx_lua.h"

enum {
    LUA_GC_PATH = 512,            /* a path's text, "..." at its end when cut */
    LUA_GC_PATH_DEPTH = 32,       /* references followed from a root, at most */
    LUA_GC_PATH_OBJECTS = 1 << 20 /* objects the search keeps, at most (24 MiB) */
};

struct lua_gc_path_search {
    uint64_t visited;             /* objects the search went through */
    bool limited;                 /* it stopped at LUA_GC_PATH_OBJECTS */
    char inconsistency[160];      /* a reference that did not check out; "" none */
};

/* For each of the N addresses in TARGETS, its path into PATHS[i]: our own
 * ASCII (every byte of a key not printable ASCII escaped as Lua does:
 * \n, \", \255), or "" when no root reaches it within the bounds (garbage
 * not yet collected, or deeper). The search ends once every target is
 * found. False + ERR when VM's layout is none of those. */
bool lua_gc_paths(const struct mem_reader *m, const struct nginx_lua_vm *vm,
                  const uint64_t *targets, int n, char (*paths)[LUA_GC_PATH],
                  struct lua_gc_path_search *s, char *err, size_t errlen);

#endif
