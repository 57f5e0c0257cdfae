#include "nginx_lua.h"

#include <stdio.h>
#include <string.h>

/* LuaJIT 2.1, GC64 (x86-64; read off lua_gc in Debian's libluajit and
 * OpenResty's luajit2): lua_State.glref at 16, global_State.gc.total at
 * 16; the global_State holds its main thread (mainthref) within its first
 * 512 bytes. */
enum { LJ_STATE_GLREF = 16, LJ_GLOBAL_GC_TOTAL = 16, LJ_GLOBAL_SCAN = 512,
       NGX_MODULE_CTX_INDEX = 0, NGX_MODULE_INDEX = 8, MAX_MODULES = 4096 };

static bool fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return false;
}

bool nginx_lua_vm(const struct mem_reader *m, const struct nginx_state *st,
                  struct nginx_lua_vm *vm, char *err, size_t errlen)
{
    uint64_t lua_module, http_module, ctx_index, http_index, conf_ctx, http_ctx, main_confs;
    memset(vm, 0, sizeof *vm);
    if (!mem_symbol(m, "ngx_http_lua_module", &lua_module))
        return fail(err, errlen, "no lua-nginx-module in this nginx");
    if (!mem_symbol(m, "ngx_http_module", &http_module) ||
        !mem_read_u64(m, lua_module + NGX_MODULE_CTX_INDEX, &ctx_index) ||
        !mem_read_u64(m, http_module + NGX_MODULE_INDEX, &http_index) ||
        ctx_index >= MAX_MODULES || http_index >= MAX_MODULES)
        return fail(err, errlen, "the http and lua modules' indexes are unreadable");
    /* ngx_cycle_t.conf_ctx is its first field in every version */
    if (!mem_read_u64(m, st->cycle, &conf_ctx) ||
        !mem_read_u64(m, conf_ctx + 8 * http_index, &http_ctx) || !http_ctx ||
        !mem_read_u64(m, http_ctx, &main_confs) ||
        !mem_read_u64(m, main_confs + 8 * ctx_index, &vm->main_conf) || !vm->main_conf)
        return fail(err, errlen, "no http configuration with the lua module in the cycle");
    if (!mem_read_u64(m, vm->main_conf, &vm->state) || !vm->state)
        return fail(err, errlen, "no Lua VM in this process (yet)");
    if (!mem_read_u64(m, vm->state + LJ_STATE_GLREF, &vm->global) || !vm->global)
        return fail(err, errlen, "the Lua VM's global state is unreadable");
    uint64_t g[LJ_GLOBAL_SCAN / 8];
    if (mem_read(m, vm->global, g, sizeof g) != 0)
        return fail(err, errlen, "the Lua VM's global state is unreadable");
    bool back = false;
    for (size_t i = 0; i < sizeof g / sizeof g[0] && !back; i++)
        back = g[i] == vm->state;
    if (!back)
        return fail(err, errlen, "not LuaJIT 2.1 GC64's layout (no main thread in its global "
                                 "state)");
    vm->gc_total = g[LJ_GLOBAL_GC_TOTAL / 8];
    return true;
}
