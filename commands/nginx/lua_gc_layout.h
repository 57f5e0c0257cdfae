/* LuaJIT 2.1's object layouts on x86-64, as the census (lua_gc.c) and the
 * path search (lua_gc_path.c) read them: GC64 (OpenResty's luajit2 as
 * Debian builds it, 12 on, in two versions) and 2.1.0-beta3's default with 32-bit
 * references (Debian 11). One walk reads both through the offsets here.
 * Private to them. */
#ifndef NGXMEM_LUA_GC_LAYOUT_H
#define NGXMEM_LUA_GC_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "block_cache.h"
#include "nginx_lua.h"

/* Offsets from lj_obj.h, lj_jit.h, lj_dispatch.h and lj_ctype.h (an
 * offsetof program built against each): the global state (g), the
 * GG_State block holding the main thread, g and the JIT state, and each
 * object's fields that its size is computed from (lj_gc.c's free
 * functions: the bytes lj_mem_free gives back are the GC total's) and
 * that the GC traverses. GCRef and MRef fields are REF bytes wide,
 * real pointers (strhash, L->top, the C type table, J->irbuf) 8 in both. */
struct lj_gc_layout {
    const char *name;
    uint8_t ref;
    uint8_t header;       /* every object's first bytes: nextgc, marked, gct */
    uint8_t tv_bits;      /* a TValue's GC address bits; its itype above them */
    uint8_t o_marked, o_gct;
    /* global_State (gc.total is REF bytes: GCSize); ctype_state its last field read */
    uint16_t g_gc_total, g_currentwhite, g_gc_state, g_gc_root, g_mmudata, g_str_tab,
        g_str_mask, g_str_num, g_mainthref, g_tmpbuf, g_registrytv, g_ctype_state;
    uint16_t g_gcroot;    /* the GC's own roots: GCROOTS references */
    uint8_t gcroots;      /* GCROOT_MAX, or one more: ffi.gc's finalizer table */
    uint8_t cts_finalizer; /* where the C type state holds that table, else 0 */
    uint16_t gg_g, gg_j, gg_bytes;
    /* jit_State: sizetrace its last field read; the trace array holds references */
    uint16_t j_irbuf, j_irtoplim, j_irbotlim, j_sizesnap, j_sizesnapmap, j_sizetrace;
    uint16_t cts_bytes, ctype_bytes, ctype_name;
    uint16_t str_len, str_bytes;
    uint16_t ud_env, ud_len, ud_metatable, ud_bytes;
    uint16_t cd_ctypeid, cd_bytes;
    uint16_t uv_v, uv_bytes;
    uint16_t th_glref, th_top, th_stack, th_openupval, th_env, th_stacksize, th_bytes;
    /* a function's size is up to its upvalues, then REF bytes (Lua) or a
     * TValue (C) for each: sizeLfunc, sizeCfunc */
    uint16_t fn_ffid, fn_nupvalues, fn_env, fn_pc, fn_l_uvptr, fn_c_upvalue;
    uint16_t tab_colo, tab_array, tab_metatable, tab_node, tab_asize, tab_hmask, tab_bytes;
    uint16_t pt_k, pt_sizekgc, pt_sizept, pt_bytes;
    uint16_t tr_nins, tr_nk, tr_nsnap, tr_nsnapmap, tr_bytes, snapshot_bytes;
    uint8_t tr_nsnapmap_bytes;
};

/* The layouts known, in the order nginx_lua.c tries them */
enum { LJ_GC_LAYOUTS = 3 };
extern const struct lj_gc_layout *const lj_gc_layouts[LJ_GC_LAYOUTS];

/* The layout nginx_lua.c found VM's state in, NULL for none */
const struct lj_gc_layout *lj_gc_layout_of(const struct nginx_lua_vm *vm);

/* What no layout changes: the buffers' sizes (the biggest of either
 * layout's reads), the types, the C type encoding, bounds of our own */
enum {
    O_READ = 96, G_READ = 400, J_READ = 80, CTYPE_READ = 24,
    /* CTState's fields are C pointers: 8 bytes with either reference */
    CTS_TAB = 0, CTS_TOP = 8, CTS_SIZETAB = 12,
    CD_VAR_HEADER = 8, NODE_BYTES = 24, NODE_VAL = 0, NODE_KEY = 8,
    IRINS_BYTES = 8, SNAPENTRY_BYTES = 4, TVALUE_BYTES = 8,
    /* an object's gct: ~its itype */
    GCT_FIRST = 4, GCT_STR = 4, GCT_UPVAL = 5, GCT_THREAD = 6, GCT_PROTO = 7, GCT_FUNC = 8,
    GCT_TAB = 11, GCT_UDATA = 12,
    /* g->gcroot: the metamethods' names, the base types' metatables (by
     * ~itype), the default input and output files */
    GCROOT_BASEMT = 22, GCROOT_IO_INPUT = 36, GCROOT_MAX = 38,
    /* ffi.gc's map of cdata to finalizers: g->gcroot's last in LuaJIT
     * since 2024, the C type state's before (marked after g->gcroot) */
    GCROOT_FFI_FINALIZER = GCROOT_MAX,
    GC_WHITES = 3, GC_CDATA_FIN = 0x10, GC_CDATA_VAR = 0x80,
    CT_SHIFT = 28, CT_HASSIZE = 5, CT_ATTRIB = 8, CT_CID_MASK = 0xffff, CTSIZE_PTR = 8,
    CT_ATTRIB_HOPS = 16,
    MAX_STRING_SLOTS = 1 << 26, STR_TAB_BLOCK = 8192,
};

/* A TValue: a GC object's type (LuaJIT's itype: the bits above its
 * address, sign extended) and its address; a light userdata's pointer is
 * 47 bits in both layouts */
enum { LJ_TNIL = ~0u, LJ_TFALSE = ~1u, LJ_TTRUE = ~2u, LJ_TLIGHTUD = ~3u, LJ_TSTR = ~4u,
       LJ_TUDATA = ~12u, LJ_TNUMX = ~13u };
static inline uint32_t lj_itype(const struct lj_gc_layout *L, uint64_t tv)
{
    return (uint32_t)((int64_t)tv >> L->tv_bits);
}
static inline uint64_t lj_gcval(const struct lj_gc_layout *L, uint64_t tv)
{
    return tv & (((uint64_t)1 << L->tv_bits) - 1);
}
static inline uint64_t lj_lightud(uint64_t tv)
{
    return tv & (((uint64_t)1 << 47) - 1);
}
/* beta3 on x86-64 sets a light userdata's top 16 bits above its pointer:
 * an itype below a number's, told apart by its top 17 bits */
static inline bool lj_tvislightud(const struct lj_gc_layout *L, uint64_t tv)
{
    return L->ref == 8 ? lj_itype(L, tv) == LJ_TLIGHTUD : (int64_t)tv >> 47 == -2;
}
static inline bool lj_tvisgcv(const struct lj_gc_layout *L, uint64_t tv)
{
    return lj_itype(L, tv) >= LJ_TUDATA && lj_itype(L, tv) <= LJ_TSTR;
}

/* C's reader over M for LuaJIT's objects: windows kept within M's
 * mappings (no read fails for a window reaching past one), centred on
 * each miss (objects are found in list, not address, order) */
struct mem_reader lua_gc_cache_reader(struct block_cache *c, const struct mem_reader *m);

#endif
