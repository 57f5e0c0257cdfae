#include "lua_gc.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "block_cache.h"
#include "grow_array.h"
#include "lua_gc_layout.h"
#include "radix_sort.h"
#include "top_n.h"

/* gct - GCT_FIRST: LuaJIT's type order (str, upval, thread, proto, func,
 * trace, cdata, tab, udata); functions split by kind below */
static const enum lua_gc_type gct_type[] = {
    LUA_GC_STRING, LUA_GC_UPVALUE, LUA_GC_THREAD, LUA_GC_PROTO, LUA_GC_LUA_FUNCTION,
    LUA_GC_TRACE, LUA_GC_CDATA, LUA_GC_TABLE, LUA_GC_USERDATA,
};

/* the bytes of type GCT's header its size is computed from */
static unsigned gct_fields(const struct lj_gc_layout *L, unsigned gct)
{
    const unsigned fields[] = {
        L->str_len + 4u, L->header, L->th_stacksize + 4u, L->pt_sizept + 4u, L->header,
        L->tr_nsnapmap + (unsigned)L->tr_nsnapmap_bytes, L->header, L->tab_hmask + 4u,
        L->ud_len + 4u,
    };
    return fields[gct - GCT_FIRST];
}

static const char *const type_names[LUA_GC_TYPES] = {
    "string", "upvalue", "thread", "proto", "lua_function", "c_function", "trace",
    "cdata", "table", "userdata",
};

static const char *const gc_states[] = {
    "pause", "propagate", "atomic", "sweep_strings", "sweep", "finalize",
};

const char *lua_gc_type_name(enum lua_gc_type t)
{
    return t < LUA_GC_TYPES ? type_names[t] : "?";
}

struct gc_walk {
    struct block_cache cache;
    struct mem_reader r;
    struct lua_gc_census *c;
    const struct lj_gc_layout *L;
    uint64_t g, ctypes, ctype_top;
    uint8_t otherwhite;
    bool sweeping;              /* dead objects exist only while the GC sweeps */
    bool queued;                /* walking the finalizer queue */
    uint64_t budget;            /* objects left: every object has its header */
    int top_n;
};

static bool inconsistent(struct gc_walk *w, const char *what, uint64_t addr)
{
    if (!w->c->inconsistency[0])
        snprintf(w->c->inconsistency, sizeof w->c->inconsistency, "%s at 0x%llx", what,
                 (unsigned long long)addr);
    return false;
}

static bool cache_bounds(void *arg, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    const struct mem_reader *backing = arg;
    return mem_quiet_extent(backing, addr, lo, hi);
}

struct mem_reader lua_gc_cache_reader(struct block_cache *c, const struct mem_reader *m)
{
    c->bounds = cache_bounds;
    c->bounds_arg = (void *)m;
    c->centered = true;
    return block_cache_reader(c);
}

/* The C type id's size for a fixed-size cdata: ctype_raw (attributes
 * skipped, bounded), CTSIZE_PTR where the type has no size (functions) */
static bool ctype_size(struct gc_walk *w, unsigned id, uint64_t *size, uint64_t *name)
{
    for (int hop = 0; hop < CT_ATTRIB_HOPS; hop++) {
        const struct lj_gc_layout *L = w->L;
        uint8_t ct[CTYPE_READ];
        if (id >= w->ctype_top ||
            mem_read(&w->r, w->ctypes + (uint64_t)id * L->ctype_bytes, ct, L->ctype_bytes) != 0)
            return false;
        uint32_t info = (uint32_t)lj_le(ct, 4);
        if (info >> CT_SHIFT == CT_ATTRIB) {
            id = info & CT_CID_MASK;
            continue;
        }
        *size = info >> CT_SHIFT <= CT_HASSIZE ? lj_le(ct + 4, 4) : CTSIZE_PTR;
        *name = lj_le(ct + L->ctype_name, L->ref);
        return true;
    }
    return false;
}

static void ctype_count(struct gc_walk *w, unsigned id, uint64_t name, uint64_t bytes)
{
    struct lua_gc_census *c = w->c;
    for (int i = 0; i < c->nctype; i++)
        if (c->ctype[i].id == id) {
            c->ctype[i].count++;
            c->ctype[i].bytes += bytes;
            return;
        }
    if (c->nctype == LUA_GC_CTYPES) {
        c->ctype_other_count++;
        c->ctype_other_bytes += bytes;
        return;
    }
    struct lua_gc_ctype *t = &c->ctype[c->nctype++];
    t->id = id;
    t->count = 1;
    t->bytes = bytes;
    inferior_text_literal(&t->name, "");
    uint8_t s[4];
    /* a named type (struct, typedef): its GCstr, the name's bytes after it */
    if (name && mem_read(&w->r, name + w->L->str_len, s, sizeof s) == 0) {
        uint64_t len = lj_le(s, 4);
        if (!inferior_text_read(&w->r, name + w->L->str_bytes,
                                len < LUA_GC_NAME ? len : LUA_GC_NAME,
                                false, &t->name))
            inferior_text_literal(&t->name, "");
    }
}

static void count_object(struct gc_walk *w, uint64_t addr, enum lua_gc_type t, uint64_t bytes,
                         uint8_t marked)
{
    struct lua_gc_census *c = w->c;
    struct lua_gc_type_stats *s = &c->type[t];
    if (!s->count || bytes < s->min_bytes)
        s->min_bytes = bytes;
    if (bytes > s->max_bytes)
        s->max_bytes = bytes;
    s->count++;
    s->bytes += bytes;
    c->object_count++;
    c->object_bytes += bytes;
    if (w->sweeping && (marked & w->otherwhite & GC_WHITES)) {
        c->dead_count++;
        c->dead_bytes += bytes;
    }
    /* ffi.gc's: its finalizer (in the C type state's table) runs when the
     * GC frees it */
    if (t == LUA_GC_CDATA && (marked & GC_CDATA_FIN)) {
        c->finalizer_cdata_count++;
        c->finalizer_cdata_bytes += bytes;
    }
    if (w->queued) {
        c->queued_count++;
        c->queued_bytes += bytes;
    }
    int at = top_n_slot(c->top, sizeof c->top[0], offsetof(struct lua_gc_object, bytes),
                        &c->ntop, w->top_n, bytes);
    if (at >= 0)
        c->top[at] = (struct lua_gc_object){ addr, bytes, t };
}

static bool walk_list(struct gc_walk *w, uint64_t first, uint64_t stop);

/* One object at ADDR: its type and size; *NEXT its nextgc. */
static bool visit(struct gc_walk *w, uint64_t addr, uint64_t *next)
{
    const struct lj_gc_layout *L = w->L;
    uint8_t o[O_READ];
    if (!w->budget--)
        return inconsistent(w, "a list longer than the GC's total allows (a cycle?)", addr);
    /* every object has its header; then the fields its type's size needs */
    if (mem_read(&w->r, addr, o, L->header) != 0)
        return inconsistent(w, "an object that cannot be read", addr);
    *next = lj_le(o, L->ref);
    unsigned gct = o[L->o_gct];
    if (gct < GCT_FIRST || gct - GCT_FIRST >= sizeof gct_type / sizeof gct_type[0])
        return inconsistent(w, "an object of no LuaJIT type", addr);
    enum lua_gc_type t = gct_type[gct - GCT_FIRST];
    unsigned need = gct_fields(L, gct);
    if (need > L->header &&
        mem_read(&w->r, addr + L->header, o + L->header, need - L->header) != 0)
        return inconsistent(w, "an object that cannot be read", addr);
    uint64_t bytes = 0, name = 0;
    uint8_t marked = o[L->o_marked];
    switch (t) {
    case LUA_GC_STRING: bytes = L->str_bytes + lj_le(o + L->str_len, 4) + 1; break;
    case LUA_GC_USERDATA: bytes = L->ud_bytes + lj_le(o + L->ud_len, 4); break;
    case LUA_GC_UPVALUE: bytes = L->uv_bytes; break;
    case LUA_GC_PROTO: bytes = lj_le(o + L->pt_sizept, 4); break;
    case LUA_GC_LUA_FUNCTION:
        if (o[L->fn_ffid] == 0)
            bytes = L->fn_l_uvptr + L->ref * (uint64_t)o[L->fn_nupvalues];
        else {
            t = LUA_GC_C_FUNCTION;
            bytes = L->fn_c_upvalue + TVALUE_BYTES * (uint64_t)o[L->fn_nupvalues];
        }
        break;
    case LUA_GC_TABLE: {
        uint64_t asize = lj_le(o + L->tab_asize, 4), hmask = lj_le(o + L->tab_hmask, 4);
        int8_t colo = (int8_t)o[L->tab_colo];
        uint64_t hash = hmask ? (hmask + 1) * NODE_BYTES : 0;
        uint64_t array = asize && colo <= 0 ? asize * TVALUE_BYTES : 0;
        uint64_t self = L->tab_bytes + (colo ? ((uint64_t)colo & 0x7f) * TVALUE_BYTES : 0);
        w->c->table_array_bytes += array + (self - L->tab_bytes);
        w->c->table_hash_bytes += hash;
        bytes = self + array + hash;
        break;
    }
    case LUA_GC_THREAD: {
        uint64_t uv = lj_le(o + L->th_openupval, L->ref);
        bytes = L->th_bytes + lj_le(o + L->th_stacksize, 4) * TVALUE_BYTES;
        if (addr == w->g - L->gg_g) {
            /* the main thread lives in GG_State: only its stack is its own */
            bytes -= L->th_bytes;
            w->c->vm.main_stack = bytes;
        }
        if (uv && !walk_list(w, uv, 0))   /* its open upvalues */
            return false;
        break;
    }
    case LUA_GC_TRACE: {
        uint64_t nins = lj_le(o + L->tr_nins, 4), nk = lj_le(o + L->tr_nk, 4);
        bytes = L->tr_bytes + (nins - nk) * IRINS_BYTES +
                lj_le(o + L->tr_nsnap, 2) * L->snapshot_bytes +
                lj_le(o + L->tr_nsnapmap, L->tr_nsnapmap_bytes) * SNAPENTRY_BYTES;
        break;
    }
    case LUA_GC_CDATA: {
        unsigned id = (unsigned)lj_le(o + L->cd_ctypeid, 2);
        if (marked & GC_CDATA_VAR) {
            uint8_t v[CD_VAR_HEADER];   /* GCcdataVar: offset, extra, len */
            if (mem_read(&w->r, addr - CD_VAR_HEADER, v, sizeof v) != 0)
                return inconsistent(w, "a variable-length cdata without its header", addr);
            bytes = lj_le(v + 4, 4) + lj_le(v + 2, 2);
        } else {
            uint64_t size;
            if (!ctype_size(w, id, &size, &name))
                return inconsistent(w, "a cdata of no C type", addr);
            bytes = L->cd_bytes + size;
        }
        ctype_count(w, id, name, bytes);
        break;
    }
    default: break;
    }
    if (bytes > w->c->gc_total)
        return inconsistent(w, "an object bigger than the GC's total", addr);
    count_object(w, addr, t, bytes, marked);
    return true;
}

/* A nextgc list from FIRST to NULL (or to STOP, for the circular
 * finalizer queue). A cycle anywhere in it is found within twice its
 * length (Brent's: the list is compared with its node at the last power
 * of two steps), whatever the GC's total says. */
static bool walk_list(struct gc_walk *w, uint64_t first, uint64_t stop)
{
    uint64_t mark = first, steps = 0, power = 1;
    for (uint64_t o = first; o && o != stop;) {
        if (!visit(w, o, &o))
            return false;
        if (o == mark)
            return inconsistent(w, "a list that cycles", o);
        if (++steps == power) {
            mark = o;
            power *= 2;
            steps = 0;
        }
    }
    return true;
}

/* The string table: MASK + 1 chains (luajit2's anchors' low bit marks
 * a secondary hash). Chains are followed a step at a time for all of them,
 * each step's strings read in address order: in hash order they are
 * scattered over the allocator's memory, one window read per string. */
static bool walk_strings(struct gc_walk *w, uint64_t tab, uint64_t mask)
{
    struct lua_gc_census *c = w->c;
    unsigned ref = w->L->ref;
    uint64_t slots = mask + 1;
    if (slots > MAX_STRING_SLOTS || slots * ref > c->gc_total || slots & mask)
        return inconsistent(w, "a string table size that is no power of two within the GC's "
                               "total", tab);
    c->string_slots = slots;
    c->vm.string_table = slots * ref;
    static uint8_t block[STR_TAB_BLOCK * 8];
    uint64_t *at = NULL;   /* grows with the anchors read, not with a size read */
    size_t n = 0, cap = 0;
    bool ok = true;
    for (uint64_t i = 0; ok && i < slots; i += STR_TAB_BLOCK) {
        uint64_t k, len = slots - i < STR_TAB_BLOCK ? slots - i : STR_TAB_BLOCK;
        if (mem_read(&w->r, tab + i * ref, block, len * ref) != 0)
            ok = inconsistent(w, "a string table that cannot be read", tab + i * ref);
        for (k = 0; ok && k < len; k++) {
            uint64_t s = lj_le(block + k * ref, ref) & ~(uint64_t)1;
            if (s && (ok = grow_array(&at, &cap, n, sizeof *at, 1024)))
                at[n++] = s;
        }
    }
    if (!ok && !c->inconsistency[0])
        inconsistent(w, "no memory for the string table's anchors", tab);
    c->string_used_slots = n;
    w->cache.centered = false;   /* ascending addresses */
    while (ok && n) {
        c->string_longest_chain++;
        ok = radix_sort_u64(at, n) ||
             inconsistent(w, "no memory to sort the string table's chains", tab);
        size_t m = 0;
        for (size_t i = 0; ok && i < n; i++) {
            uint64_t next;
            ok = visit(w, at[i], &next) &&
                 (next != at[i] || inconsistent(w, "a string that is its own successor", next));
            if (next)
                at[m++] = next;
        }
        n = m;
    }
    w->cache.centered = true;
    free(at);
    return ok;
}

static void vm_bytes(struct gc_walk *w, const uint8_t *g)
{
    const struct lj_gc_layout *L = w->L;
    struct lua_gc_census *c = w->c;
    uint8_t j[J_READ], cts[16];
    c->vm.state = L->gg_bytes;
    /* the string buffer: its end and base after its pointer */
    uint64_t e = lj_le(g + L->g_tmpbuf + L->ref, L->ref);
    uint64_t b = lj_le(g + L->g_tmpbuf + 2 * L->ref, L->ref);
    c->vm.tmpbuf = e >= b ? e - b : 0;
    if (mem_read(&w->r, w->g - L->gg_g + L->gg_j + L->j_irbuf, j,
                 L->j_sizetrace + 4u - L->j_irbuf) == 0) {
        uint64_t top = lj_le(j + (L->j_irtoplim - L->j_irbuf), 4);
        uint64_t bot = lj_le(j + (L->j_irbotlim - L->j_irbuf), 4);
        c->vm.jit_buffers = (top > bot ? (top - bot) * IRINS_BYTES : 0) +
                            lj_le(j + (L->j_sizesnap - L->j_irbuf), 4) * L->snapshot_bytes +
                            lj_le(j + (L->j_sizesnapmap - L->j_irbuf), 4) * SNAPENTRY_BYTES +
                            lj_le(j + (L->j_sizetrace - L->j_irbuf), 4) * L->ref;
    }
    uint64_t state = lj_le(g + L->g_ctype_state, L->ref);
    if (state && mem_read(&w->r, state, cts, sizeof cts) == 0) {
        w->ctypes = lj_le(cts + CTS_TAB, 8);
        w->ctype_top = lj_le(cts + CTS_TOP, 4);
        c->vm.ctypes = L->cts_bytes + lj_le(cts + CTS_SIZETAB, 4) * L->ctype_bytes;
    }
}

bool lua_gc_census(const struct mem_reader *m, const struct nginx_lua_vm *vm, int top_n,
                   struct lua_gc_census *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const struct lj_gc_layout *L = lj_gc_layout_of(vm);
    if (!L) {
        snprintf(err, errlen, "no LuaJIT layout known here has %u-byte references",
                 vm->ref_bytes);
        return false;
    }
    static struct gc_walk w;
    memset(&w, 0, sizeof w);
    if (!block_cache_init(&w.cache, m)) {
        snprintf(err, errlen, "out of memory for the read window");
        return false;
    }
    w.r = lua_gc_cache_reader(&w.cache, m);
    w.c = c;
    w.L = L;
    w.g = vm->global;
    w.top_n = top_n < 0 ? 0 : top_n > LUA_GC_TOP ? LUA_GC_TOP : top_n;
    uint8_t g[G_READ];
    bool ok = mem_read(&w.r, vm->global, g, L->g_ctype_state + L->ref) == 0 &&
              lj_le(g + L->g_mainthref, L->ref) == vm->state &&
              vm->state == vm->global - L->gg_g;
    if (!ok) {
        block_cache_free(&w.cache);
        snprintf(err, errlen, "LuaJIT's global state at 0x%llx is not %s's (its main thread "
                              "is not where GG_State puts it)", (unsigned long long)vm->global,
                 vm->layout ? vm->layout : "?");
        return false;
    }
    c->gc_total = lj_le(g + L->g_gc_total, L->ref);
    w.budget = c->gc_total / L->header + 1;
    uint8_t state = g[L->g_gc_state];
    c->gc_state = state < sizeof gc_states / sizeof gc_states[0] ? gc_states[state] : "?";
    w.sweeping = state == 3 || state == 4;
    w.otherwhite = g[L->g_currentwhite] ^ GC_WHITES;
    vm_bytes(&w, g);
    uint64_t mmudata = lj_le(g + L->g_mmudata, L->ref), next;
    /* the root list, the finalizer queue (circular: from the last's
     * successor round to the last), the strings */
    bool rooted = walk_list(&w, lj_le(g + L->g_gc_root, L->ref), 0);
    w.queued = true;
    if (rooted && mmudata && visit(&w, mmudata, &next))
        walk_list(&w, next, mmudata);
    w.queued = false;
    if (!c->inconsistency[0])
        walk_strings(&w, lj_le(g + L->g_str_tab, 8), lj_le(g + L->g_str_mask, 4));
    /* cdata by C type, the biggest first */
    for (int i = 1; i < c->nctype; i++)
        for (int k = i; k > 0 && c->ctype[k].bytes > c->ctype[k - 1].bytes; k--) {
            struct lua_gc_ctype t = c->ctype[k];
            c->ctype[k] = c->ctype[k - 1];
            c->ctype[k - 1] = t;
        }
    c->string_table_count = lj_le(g + L->g_str_num, 4);
    if (!c->inconsistency[0] && c->string_table_count != c->type[LUA_GC_STRING].count)
        snprintf(c->inconsistency, sizeof c->inconsistency,
                 "the string table counts %llu strings, its chains hold %llu",
                 (unsigned long long)c->string_table_count,
                 (unsigned long long)c->type[LUA_GC_STRING].count);
    /* the main thread's stack is in the thread row, not again here */
    uint64_t listed = c->object_bytes + c->vm.state + c->vm.string_table + c->vm.tmpbuf +
                      c->vm.ctypes;
    if (listed <= c->gc_total && c->vm.jit_buffers <= c->gc_total - listed)
        listed += c->vm.jit_buffers;
    else {
        c->vm.jit_buffers = 0;
        c->vm.jit_unknown = true;
    }
    c->other_bytes = listed <= c->gc_total ? c->gc_total - listed : 0;
    if (listed > c->gc_total && !c->inconsistency[0])
        snprintf(c->inconsistency, sizeof c->inconsistency,
                 "the objects and the VM's allocations (%llu bytes) exceed the GC's total "
                 "(%llu): it changed during the read, or a size is wrong",
                 (unsigned long long)listed, (unsigned long long)c->gc_total);
    block_cache_free(&w.cache);
    return true;
}
