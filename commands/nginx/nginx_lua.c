#include "nginx_lua.h"

#include <stdio.h>
#include <string.h>

#include "lua_gc_layout.h"

/* LuaJIT 2.1's two layouts on x86-64 (lua_gc_layout.c): GC64 (OpenResty's
 * luajit2, Debian 12 on) and the 2.1.0-beta3 default (Debian 11) with
 * 32-bit references. The one whose global_State (lua_State.glref) holds
 * the lua_State as its main thread (mainthref, within its first 512
 * bytes) is taken. */
/* allocd, a pointer, just before gc in both layouts */
enum { LJ_ALLOCD_BEFORE_GC = 8 };
/* lj_alloc.c's malloc_state: two binmaps, dvsize, topsize, dv, top,
 * trim_check, release_checks, 66 small bins, 32 tree bins, then the
 * segment list's head {base, size, next} */
enum { LJ_MSTATE_SEG = 8 + 6 * 8 + 66 * 8 + 32 * 8, LJ_MIN_SEGMENT = 4096,
       LJ_MAX_SEGMENT_BITS = 40 };
enum { LJ_GLOBAL_SCAN = 512, NGX_MODULE_CTX_INDEX = 0, NGX_MODULE_INDEX = 8,
       MAX_MODULES = 4096 };

/* Does the global state G (as bytes) hold the main thread STATE? */
static bool holds_main_thread(const uint8_t *g, uint64_t state, unsigned ref_bytes)
{
    for (unsigned off = 0; off + ref_bytes <= LJ_GLOBAL_SCAN; off += ref_bytes)
        if (lj_le(g + off, ref_bytes) == state)
            return true;
    return false;
}

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
    uint64_t state;
    if (!mem_read_u64(m, vm->main_conf, &state) || !state)
        return fail(err, errlen, "no Lua VM in this process (yet)");
    return nginx_lua_vm_at(m, state, vm, err, errlen);
}

/* Where ffi.gc's finalizer table is a GC root (lj_ctype_initfin, run for
 * every new state), its slot is never empty and holds a table that is its
 * own metatable; in the layouts before, that word is saved_jit_base, NULL
 * or a pointer into a Lua stack */
static bool holds_finalizer_root(const struct mem_reader *m, const struct lj_gc_layout *L,
                                 uint64_t global)
{
    uint8_t ref[8] = { 0 }, tab[64];
    if (mem_read(m, global + L->g_gcroot + GCROOT_FFI_FINALIZER * L->ref, ref, L->ref) != 0)
        return false;
    uint64_t t = lj_le(ref, L->ref);
    return t && mem_read(m, t, tab, L->tab_bytes) == 0 && tab[L->o_gct] == GCT_TAB &&
           lj_le(tab + L->tab_metatable, L->ref) == t;
}

bool nginx_lua_vm_at(const struct mem_reader *m, uint64_t state, struct nginx_lua_vm *vm,
                     char *err, size_t errlen)
{
    vm->state = state;
    for (int i = 0; i < LJ_GC_LAYOUTS; i++) {
        const struct lj_gc_layout *L = lj_gc_layouts[i];
        uint8_t ref[8] = { 0 }, g[LJ_GLOBAL_SCAN];
        if (L->ref == 4 && vm->state >> 32)
            continue;   /* 32-bit references: every object below 4 GiB */
        if (mem_read(m, vm->state + L->th_glref, ref, L->ref) != 0)
            continue;
        uint64_t global = lj_le(ref, L->ref);
        if (!global || mem_read(m, global, g, sizeof g) != 0 ||
            !holds_main_thread(g, vm->state, L->ref) ||
            (L->gcroots > GCROOT_MAX && !holds_finalizer_root(m, L, global)))
            continue;
        vm->global = global;
        vm->gc_total = lj_le(g + L->g_gc_total, L->ref);
        vm->allocd = lj_le(g + L->g_gc_total - LJ_ALLOCD_BEFORE_GC, 8);
        vm->layout = L->name;
        vm->gc_layout = L;
        vm->ref_bytes = L->ref;
        return true;
    }
    return fail(err, errlen, "not a LuaJIT 2.1 layout known here (no main thread in its "
                             "global state)");
}

bool nginx_lua_segments(const struct mem_reader *m, const struct nginx_lua_vm *vm,
                        struct lua_segments *segs, char *err, size_t errlen)
{
    segs->n = 0;
    uint64_t seg = vm->allocd + LJ_MSTATE_SEG;
    bool holds_state = false;
    /* bounded: a corrupt or cyclic list ends at LUA_MAX_SEGMENTS */
    for (int i = 0; seg && i < LUA_MAX_SEGMENTS; i++) {
        uint64_t f[3];
        if (mem_read(m, seg, f, sizeof f) != 0)
            return fail(err, errlen, "LuaJIT's allocator segment list is unreadable");
        uint64_t base = f[0], size = f[1];
        if (base % LJ_MIN_SEGMENT || size < LJ_MIN_SEGMENT || size >> LJ_MAX_SEGMENT_BITS ||
            base + size < base)
            return fail(err, errlen, "not LuaJIT's own allocator (its segment list does "
                                     "not check out): the system malloc's memory is the "
                                     "glibc heap's");
        segs->start[segs->n] = base;
        segs->end[segs->n++] = base + size;
        holds_state |= vm->allocd >= base && vm->allocd < base + size;
        seg = f[2];
    }
    if (seg || !holds_state) {
        segs->n = 0;
        return fail(err, errlen, seg ? "LuaJIT's allocator segment list does not end"
                                     : "LuaJIT's allocator state lies in none of its segments");
    }
    return true;
}
