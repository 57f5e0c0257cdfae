/* LuaJIT 2.1's GC64 layout (OpenResty's luajit2 as Debian builds it, 12
 * on): the offsets the census (lua_gc.c) and the path search
 * (lua_gc_path.c) read. Private to them. */
#ifndef NGXMEM_LUA_GC64_H
#define NGXMEM_LUA_GC64_H

#include <stdbool.h>
#include <stdint.h>

#include "block_cache.h"

/* LuaJIT 2.1 GC64 (OpenResty's luajit2 as Debian builds it), offsets
 * from its lj_obj.h, lj_jit.h and lj_ctype.h: the global state (g), the
 * GG_State block holding the main thread, g and the JIT state, and each
 * object's fields that its size is computed from (lj_gc.c's free
 * functions: the bytes lj_mem_free gives back are the GC total's). */
enum {
    G_GC_TOTAL = 16, G_CURRENTWHITE = 32, G_GC_STATE = 33, G_GC_ROOT = 40, G_MMUDATA = 80,
    G_STR_TAB = 152, G_STR_MASK = 160, G_STR_NUM = 164, G_MAINTHREF = 192, G_TMPBUF = 200,
    G_CTYPE_STATE = 384, G_READ = 392,
    GG_G = 112, GG_J = 848, GG_BYTES = 6296,
    J_IRBUF = 328, J_IRTOPLIM = 336, J_IRBOTLIM = 340, J_SIZESNAP = 348,
    J_SIZESNAPMAP = 368, J_SIZETRACE = 396, J_READ = 400,
    CTS_TAB = 0, CTS_TOP = 8, CTS_SIZETAB = 12, CTS_BYTES = 520, CTYPE_BYTES = 24,
    CTYPE_NAME = 16,
    /* object header: nextgc (8), marked, gct */
    O_NEXTGC = 0, O_MARKED = 8, O_GCT = 9, O_HEADER = 16, O_READ = 96,
    STR_LEN = 20, STR_BYTES = 24,
    UD_LEN = 24, UD_BYTES = 48,
    CD_CTYPEID = 10, CD_BYTES = 16, CD_VAR_HEADER = 8,
    UV_BYTES = 48,
    TH_OPENUPVAL = 64, TH_STACKSIZE = 88, TH_BYTES = 112,
    FN_FFID = 10, FN_NUPVALUES = 11, FN_L_BYTES = 40, FN_C_BYTES = 48,
    TAB_COLO = 11, TAB_ASIZE = 48, TAB_HMASK = 52, TAB_BYTES = 64, NODE_BYTES = 24,
    PT_SIZEPT = 56,
    TR_NSNAP = 10, TR_NINS = 12, TR_NK = 40, TR_NSNAPMAP = 44, TR_BYTES = 120,
    SNAPSHOT_BYTES = 12, IRINS_BYTES = 8, SNAPENTRY_BYTES = 4, TVALUE_BYTES = 8,
    GCT_FIRST = 4,   /* ~LJ_TSTR */
    GC_WHITES = 3, GC_CDATA_VAR = 0x80,
    CT_SHIFT = 28, CT_HASSIZE = 5, CT_ATTRIB = 8, CT_CID_MASK = 0xffff, CTSIZE_PTR = 8,
    CT_ATTRIB_HOPS = 16,
    MAX_STRING_SLOTS = 1 << 26, STR_TAB_BLOCK = 8192,
    /* the references the path search follows (lj_gc.c's traversals) */
    G_REGISTRYTV = 272,
    TH_TOP = 40, TH_STACK = 56, TH_ENV = 72,
    TAB_ARRAY = 16, TAB_METATABLE = 32, TAB_NODE = 40, NODE_VAL = 0, NODE_KEY = 8,
    FN_ENV = 16, FN_PC = 32, FN_L_UVPTR = 40, FN_C_UPVALUE = 48,
    UV_V = 32, UD_ENV = 16, UD_METATABLE = 32,
    PT_K = 32, PT_SIZEKGC = 48, PT_BYTES = 104,
};

/* A TValue: a GC object's type (LuaJIT's itype: the top 17 bits, sign
 * extended) and its address (the low 47 bits) */
enum { LJ_TNIL = ~0u, LJ_TFALSE = ~1u, LJ_TTRUE = ~2u, LJ_TLIGHTUD = ~3u, LJ_TSTR = ~4u,
       LJ_TUDATA = ~12u, LJ_TNUMX = ~13u };
static inline uint32_t lj_itype(uint64_t tv)
{
    return (uint32_t)((int64_t)tv >> 47);
}
static inline uint64_t lj_gcval(uint64_t tv)
{
    return tv & (((uint64_t)1 << 47) - 1);
}
static inline bool lj_tvisgcv(uint64_t tv)
{
    return lj_itype(tv) >= LJ_TUDATA && lj_itype(tv) <= LJ_TSTR;
}

/* C's reader over M for LuaJIT's objects: windows kept within M's
 * mappings (no read fails for a window reaching past one), centred on
 * each miss (objects are found in list, not address, order) */
struct mem_reader lua_gc_cache_reader(struct block_cache *c, const struct mem_reader *m);

#endif
