#include "lua_gc_layout.h"

/* OpenResty's luajit2 2.1 built with LJ_GC64 (Debian 12 on); its versions
 * differ in where ffi.gc's finalizer table is: in the C type state
 * (20230119, Debian 12), or a GC root of its own (20250117, Debian 13
 * and 14: one more g->gcroot, 8 bytes more global state before the JIT
 * state, 8 fewer in the C type state) */
#define LJ_GC64_LAYOUT(NAME, GCROOTS, CTS_FINALIZER, GG_J, GG_BYTES, CTS_BYTES) { \
    .name = NAME, .ref = 8, .header = 16, .tv_bits = 47, .o_marked = 8, .o_gct = 9, \
    .g_gc_total = 16, .g_currentwhite = 32, .g_gc_state = 33, .g_gc_root = 40, \
    .g_mmudata = 80, .g_str_tab = 152, .g_str_mask = 160, .g_str_num = 164, \
    .g_mainthref = 192, .g_tmpbuf = 200, .g_registrytv = 272, .g_ctype_state = 384, \
    .g_gcroot = 424, .gcroots = GCROOTS, .cts_finalizer = CTS_FINALIZER, \
    .gg_g = 112, .gg_j = GG_J, .gg_bytes = GG_BYTES, \
    .j_irbuf = 328, .j_irtoplim = 336, .j_irbotlim = 340, .j_sizesnap = 348, \
    .j_sizesnapmap = 368, .j_sizetrace = 396, \
    .cts_bytes = CTS_BYTES, .ctype_bytes = 24, .ctype_name = 16, \
    .str_len = 20, .str_bytes = 24, \
    .ud_env = 16, .ud_len = 24, .ud_metatable = 32, .ud_bytes = 48, \
    .cd_ctypeid = 10, .cd_bytes = 16, \
    .uv_v = 32, .uv_bytes = 48, \
    .th_glref = 16, .th_top = 40, .th_stack = 56, .th_openupval = 64, .th_env = 72, \
    .th_stacksize = 88, .th_bytes = 112, \
    .fn_ffid = 10, .fn_nupvalues = 11, .fn_env = 16, .fn_pc = 32, .fn_l_uvptr = 40, \
    .fn_c_upvalue = 48, \
    .tab_colo = 11, .tab_array = 16, .tab_metatable = 32, .tab_node = 40, .tab_asize = 48, \
    .tab_hmask = 52, .tab_bytes = 64, \
    .pt_k = 32, .pt_sizekgc = 48, .pt_sizept = 56, .pt_bytes = 104, \
    .tr_nins = 12, .tr_nk = 40, .tr_nsnap = 10, .tr_nsnapmap = 44, .tr_bytes = 120, \
    .snapshot_bytes = 12, .tr_nsnapmap_bytes = 4, \
}
static const struct lj_gc_layout gc64 =
    LJ_GC64_LAYOUT("LuaJIT 2.1 GC64", GCROOT_MAX, 32, 848, 6296, 520);
static const struct lj_gc_layout gc64_fin_root =
    LJ_GC64_LAYOUT("LuaJIT 2.1 GC64 (finalizers a GC root)", GCROOT_MAX + 1, 0, 856, 6304, 512);

/* LuaJIT 2.1.0-beta3 without LJ_GC64 (Debian 11's libluajit-5.1-2
 * 2.1.0~beta3+dfsg-5.3, its source built with bullseye's gcc): 32-bit
 * references, objects below 2 GiB, a TValue's GC address its low 32 bits,
 * snapshots of 8 bytes, a trace's snapshot map counted in 16 bits. Its
 * library has 4 bytes more than the source between gc and vmstate (read
 * in a bullseye worker: gc's pause at 84 as in the source, vmstate at 92,
 * the string buffer at 96, mainthref at 132 and the registry at 136, the
 * padding before it taken): tmpbuf and mainthref are the library's. */
static const struct lj_gc_layout ref32 = {
    .name = "LuaJIT 2.1 (32-bit references)", .ref = 4, .header = 8, .tv_bits = 32, .o_marked = 4, .o_gct = 5,
    .g_gc_total = 32, .g_currentwhite = 40, .g_gc_state = 41, .g_gc_root = 48,
    .g_mmudata = 68, .g_str_tab = 0, .g_str_mask = 8, .g_str_num = 12,
    .g_mainthref = 132, .g_tmpbuf = 96, .g_registrytv = 136, .g_ctype_state = 256,
    .g_gcroot = 260, .gcroots = GCROOT_MAX, .cts_finalizer = 32,
    .gg_g = 64, .gg_j = 480, .gg_bytes = 5352,
    .j_irbuf = 312, .j_irtoplim = 320, .j_irbotlim = 324, .j_sizesnap = 332,
    .j_sizesnapmap = 352, .j_sizetrace = 380,
    .cts_bytes = 472, .ctype_bytes = 16, .ctype_name = 12,
    .str_len = 12, .str_bytes = 16,
    .ud_env = 8, .ud_len = 12, .ud_metatable = 16, .ud_bytes = 24,
    .cd_ctypeid = 6, .cd_bytes = 8,
    .uv_v = 16, .uv_bytes = 24,
    .th_glref = 8, .th_top = 24, .th_stack = 36, .th_openupval = 40, .th_env = 44, .th_stacksize = 56,
    .th_bytes = 64,
    .fn_ffid = 6, .fn_nupvalues = 7, .fn_env = 8, .fn_pc = 16, .fn_l_uvptr = 20,
    .fn_c_upvalue = 32,
    .tab_colo = 7, .tab_array = 8, .tab_metatable = 16, .tab_node = 20, .tab_asize = 24,
    .tab_hmask = 28, .tab_bytes = 32,
    .pt_k = 16, .pt_sizekgc = 24, .pt_sizept = 32, .pt_bytes = 64,
    .tr_nins = 8, .tr_nk = 24, .tr_nsnap = 28, .tr_nsnapmap = 30, .tr_bytes = 96,
    .snapshot_bytes = 8, .tr_nsnapmap_bytes = 2,
};

const struct lj_gc_layout *const lj_gc_layouts[LJ_GC_LAYOUTS] = { &gc64_fin_root, &gc64, &ref32 };

const struct lj_gc_layout *lj_gc_layout_of(const struct nginx_lua_vm *vm)
{
    return vm->gc_layout;
}
