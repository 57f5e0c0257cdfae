/* The Lua VM of an nginx with lua-nginx-module: how many bytes LuaJIT's
 * garbage collector holds (what collectgarbage("count") says, in bytes).
 * Analysis only: memory and symbols through a mem_reader. */
#ifndef NGXMEM_NGINX_LUA_H
#define NGXMEM_NGINX_LUA_H

#include "nginx_state.h"

struct lj_gc_layout;

struct nginx_lua_vm {
    uint64_t main_conf;          /* ngx_http_lua_main_conf_t */
    uint64_t state;              /* its lua_State (the main thread) */
    uint64_t global;             /* LuaJIT's global_State */
    uint64_t gc_total;           /* g->gc.total: bytes the GC holds */
    uint64_t allocd;             /* g->allocd: the allocator's state */
    const char *layout;          /* which LuaJIT layout fitted */
    const struct lj_gc_layout *gc_layout;   /* that layout (lua_gc_layout.h) */
    unsigned ref_bytes;          /* its references: 8 (GC64) or 4 */
};

/* N (<= 8) bytes at P as a little-endian number: LuaJIT's references
 * and fields as read from the inferior */
static inline uint64_t lj_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    __builtin_memcpy(&v, p, n);
    return v;
}

/* LuaJIT's own allocator (lj_alloc.c, a dlmalloc): the memory segments it
 * mmapped, from its malloc_state's segment list. Allocations of 128 KiB
 * and more are mapped one by one outside them and are not listed. */
enum { LUA_MAX_SEGMENTS = 4096 };
struct lua_segments {
    uint64_t start[LUA_MAX_SEGMENTS], end[LUA_MAX_SEGMENTS];
    int n;
};

/* Find the VM from the cycle: conf_ctx[ngx_http_module.index]->main_conf
 * [ngx_http_lua_module.ctx_index]->lua, then LuaJIT's global state in one
 * of the layouts known (nginx_lua.c), accepted only if it points back to
 * the lua_State as its main thread. False + ERR (no lua module, no VM in
 * this process yet, another layout). */
bool nginx_lua_vm(const struct mem_reader *m, const struct nginx_state *st,
                  struct nginx_lua_vm *vm, char *err, size_t errlen);

/* The same from the lua_State at STATE (VM's main_conf left as it is). */
bool nginx_lua_vm_at(const struct mem_reader *m, uint64_t state, struct nginx_lua_vm *vm,
                     char *err, size_t errlen);

/* VM's allocator segments into SEGS. False + ERR when the state is not
 * LuaJIT's allocator (built with the system malloc: its memory is the glibc
 * heap's) or the list does not check out (bounded, each segment sane, the
 * state inside one of them). */
bool nginx_lua_segments(const struct mem_reader *m, const struct nginx_lua_vm *vm,
                        struct lua_segments *segs, char *err, size_t errlen);

#endif
