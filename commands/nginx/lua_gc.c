#include "lua_gc.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "block_cache.h"
#include "lua_gc64.h"
#include "grow_array.h"
#include "radix_sort.h"
#include "top_n.h"

/* gct - GCT_FIRST: LuaJIT's type order (str, upval, thread, proto, func,
 * trace, cdata, tab, udata); functions split by kind below */
static const enum lua_gc_type gct_type[] = {
    LUA_GC_STRING, LUA_GC_UPVALUE, LUA_GC_THREAD, LUA_GC_PROTO, LUA_GC_LUA_FUNCTION,
    LUA_GC_TRACE, LUA_GC_CDATA, LUA_GC_TABLE, LUA_GC_USERDATA,
};

/* the bytes of each type's header its size is computed from */
static const unsigned gct_fields[] = {
    STR_LEN + 4, O_HEADER, TH_STACKSIZE + 4, PT_SIZEPT + 4, O_HEADER, TR_NSNAPMAP + 4,
    O_HEADER, TAB_HMASK + 4, UD_LEN + 4,
};

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
    uint64_t g, ctypes, ctype_top;
    uint8_t otherwhite;
    bool sweeping;              /* dead objects exist only while the GC sweeps */
    uint64_t budget;            /* objects left: every object is >= 16 bytes */
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
        uint8_t ct[CTYPE_BYTES];
        if (id >= w->ctype_top ||
            mem_read(&w->r, w->ctypes + (uint64_t)id * CTYPE_BYTES, ct, sizeof ct) != 0)
            return false;
        uint32_t info = (uint32_t)lj_le(ct, 4);
        if (info >> CT_SHIFT == CT_ATTRIB) {
            id = info & CT_CID_MASK;
            continue;
        }
        *size = info >> CT_SHIFT <= CT_HASSIZE ? lj_le(ct + 4, 4) : CTSIZE_PTR;
        *name = lj_le(ct + CTYPE_NAME, 8);
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
    uint8_t s[STR_BYTES];
    /* a named type (struct, typedef): its GCstr, the name's bytes after it */
    if (name && mem_read(&w->r, name, s, sizeof s) == 0) {
        uint64_t len = lj_le(s + STR_LEN, 4);
        if (!inferior_text_read(&w->r, name + STR_BYTES, len < LUA_GC_NAME ? len : LUA_GC_NAME,
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
    int at = top_n_slot(c->top, sizeof c->top[0], offsetof(struct lua_gc_object, bytes),
                        &c->ntop, w->top_n, bytes);
    if (at >= 0)
        c->top[at] = (struct lua_gc_object){ addr, bytes, t };
}

static bool walk_list(struct gc_walk *w, uint64_t first, uint64_t stop);

/* One object at ADDR: its type and size; *NEXT its nextgc. */
static bool visit(struct gc_walk *w, uint64_t addr, uint64_t *next)
{
    uint8_t o[O_READ];
    if (!w->budget--)
        return inconsistent(w, "a list longer than the GC's total allows (a cycle?)", addr);
    /* every object has 16 bytes; then the fields its type's size needs */
    if (mem_read(&w->r, addr, o, O_HEADER) != 0)
        return inconsistent(w, "an object that cannot be read", addr);
    *next = lj_le(o + O_NEXTGC, 8);
    unsigned gct = o[O_GCT];
    if (gct < GCT_FIRST || gct - GCT_FIRST >= sizeof gct_type / sizeof gct_type[0])
        return inconsistent(w, "an object of no LuaJIT type", addr);
    enum lua_gc_type t = gct_type[gct - GCT_FIRST];
    unsigned need = gct_fields[gct - GCT_FIRST];
    if (need > O_HEADER && mem_read(&w->r, addr + O_HEADER, o + O_HEADER, need - O_HEADER) != 0)
        return inconsistent(w, "an object that cannot be read", addr);
    uint64_t bytes = 0, name = 0;
    uint8_t marked = o[O_MARKED];
    switch (t) {
    case LUA_GC_STRING: bytes = STR_BYTES + lj_le(o + STR_LEN, 4) + 1; break;
    case LUA_GC_USERDATA: bytes = UD_BYTES + lj_le(o + UD_LEN, 4); break;
    case LUA_GC_UPVALUE: bytes = UV_BYTES; break;
    case LUA_GC_PROTO: bytes = lj_le(o + PT_SIZEPT, 4); break;
    case LUA_GC_LUA_FUNCTION:
        if (o[FN_FFID] == 0)
            bytes = FN_L_BYTES + 8 * (uint64_t)o[FN_NUPVALUES];
        else {
            t = LUA_GC_C_FUNCTION;
            bytes = FN_C_BYTES + TVALUE_BYTES * (uint64_t)o[FN_NUPVALUES];
        }
        break;
    case LUA_GC_TABLE: {
        uint64_t asize = lj_le(o + TAB_ASIZE, 4), hmask = lj_le(o + TAB_HMASK, 4);
        int8_t colo = (int8_t)o[TAB_COLO];
        uint64_t hash = hmask ? (hmask + 1) * NODE_BYTES : 0;
        uint64_t array = asize && colo <= 0 ? asize * TVALUE_BYTES : 0;
        uint64_t self = colo ? TAB_BYTES + ((uint64_t)colo & 0x7f) * TVALUE_BYTES : TAB_BYTES;
        w->c->table_array_bytes += array + (self - TAB_BYTES);
        w->c->table_hash_bytes += hash;
        bytes = self + array + hash;
        break;
    }
    case LUA_GC_THREAD: {
        uint64_t uv = lj_le(o + TH_OPENUPVAL, 8);
        bytes = TH_BYTES + lj_le(o + TH_STACKSIZE, 4) * TVALUE_BYTES;
        if (addr == w->g - GG_G) {
            /* the main thread lives in GG_State: only its stack is its own */
            bytes -= TH_BYTES;
            w->c->vm.main_stack = bytes;
        }
        if (uv && !walk_list(w, uv, 0))   /* its open upvalues */
            return false;
        break;
    }
    case LUA_GC_TRACE: {
        uint64_t nins = lj_le(o + TR_NINS, 4), nk = lj_le(o + TR_NK, 4);
        bytes = TR_BYTES + (nins - nk) * IRINS_BYTES + lj_le(o + TR_NSNAP, 2) * SNAPSHOT_BYTES +
                lj_le(o + TR_NSNAPMAP, 4) * SNAPENTRY_BYTES;
        break;
    }
    case LUA_GC_CDATA: {
        unsigned id = (unsigned)lj_le(o + CD_CTYPEID, 2);
        if (marked & GC_CDATA_VAR) {
            uint8_t v[CD_VAR_HEADER];   /* GCcdataVar: offset, extra, len */
            if (mem_read(&w->r, addr - CD_VAR_HEADER, v, sizeof v) != 0)
                return inconsistent(w, "a variable-length cdata without its header", addr);
            bytes = lj_le(v + 4, 4) + lj_le(v + 2, 2);
        } else {
            uint64_t size;
            if (!ctype_size(w, id, &size, &name))
                return inconsistent(w, "a cdata of no C type", addr);
            bytes = CD_BYTES + size;
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

/* The string table: MASK + 1 chains (their anchors' low bit marks a
 * secondary hash). Chains are followed a step at a time for all of them,
 * each step's strings read in address order: in hash order they are
 * scattered over the allocator's memory, one window read per string. */
static bool walk_strings(struct gc_walk *w, uint64_t tab, uint64_t mask)
{
    struct lua_gc_census *c = w->c;
    uint64_t slots = mask + 1;
    if (slots > MAX_STRING_SLOTS || slots * 8 > c->gc_total || slots & mask)
        return inconsistent(w, "a string table size that is no power of two within the GC's "
                               "total", tab);
    c->string_slots = slots;
    c->vm.string_table = slots * 8;
    static uint64_t block[STR_TAB_BLOCK];
    uint64_t *at = NULL;   /* grows with the anchors read, not with a size read */
    size_t n = 0, cap = 0;
    bool ok = true;
    for (uint64_t i = 0; ok && i < slots; i += STR_TAB_BLOCK) {
        uint64_t k, len = slots - i < STR_TAB_BLOCK ? slots - i : STR_TAB_BLOCK;
        if (mem_read(&w->r, tab + i * 8, block, len * 8) != 0)
            ok = inconsistent(w, "a string table that cannot be read", tab + i * 8);
        for (k = 0; ok && k < len; k++) {
            uint64_t s = block[k] & ~(uint64_t)1;
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
    struct lua_gc_census *c = w->c;
    uint8_t j[J_READ - J_IRBUF], cts[16];
    c->vm.state = GG_BYTES;
    uint64_t e = lj_le(g + G_TMPBUF + 8, 8), b = lj_le(g + G_TMPBUF + 16, 8);
    c->vm.tmpbuf = e >= b ? e - b : 0;
    if (mem_read(&w->r, w->g - GG_G + GG_J + J_IRBUF, j, sizeof j) == 0) {
        uint64_t top = lj_le(j + (J_IRTOPLIM - J_IRBUF), 4);
        uint64_t bot = lj_le(j + (J_IRBOTLIM - J_IRBUF), 4);
        c->vm.jit_buffers = (top > bot ? (top - bot) * IRINS_BYTES : 0) +
                            lj_le(j + (J_SIZESNAP - J_IRBUF), 4) * SNAPSHOT_BYTES +
                            lj_le(j + (J_SIZESNAPMAP - J_IRBUF), 4) * SNAPENTRY_BYTES +
                            lj_le(j + (J_SIZETRACE - J_IRBUF), 4) * 8;
    }
    uint64_t state = lj_le(g + G_CTYPE_STATE, 8);
    if (state && mem_read(&w->r, state, cts, sizeof cts) == 0) {
        w->ctypes = lj_le(cts + CTS_TAB, 8);
        w->ctype_top = lj_le(cts + CTS_TOP, 4);
        c->vm.ctypes = CTS_BYTES + lj_le(cts + CTS_SIZETAB, 4) * CTYPE_BYTES;
    }
}

bool lua_gc_census(const struct mem_reader *m, const struct nginx_lua_vm *vm, int top_n,
                   struct lua_gc_census *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (vm->ref_bytes != 8) {
        snprintf(err, errlen, "the GC's objects are read in LuaJIT 2.1's GC64 layout only "
                              "(Debian 12 on); this VM is %s", vm->layout ? vm->layout : "?");
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
    w.g = vm->global;
    w.top_n = top_n < 0 ? 0 : top_n > LUA_GC_TOP ? LUA_GC_TOP : top_n;
    uint8_t g[G_READ];
    bool ok = mem_read(&w.r, vm->global, g, sizeof g) == 0 &&
              lj_le(g + G_MAINTHREF, 8) == vm->state && vm->state == vm->global - GG_G;
    if (!ok) {
        block_cache_free(&w.cache);
        snprintf(err, errlen, "LuaJIT's global state at 0x%llx is not GC64's (its main thread "
                              "is not where GG_State puts it)", (unsigned long long)vm->global);
        return false;
    }
    c->gc_total = lj_le(g + G_GC_TOTAL, 8);
    w.budget = c->gc_total / 16 + 1;
    uint8_t state = g[G_GC_STATE];
    c->gc_state = state < sizeof gc_states / sizeof gc_states[0] ? gc_states[state] : "?";
    w.sweeping = state == 3 || state == 4;
    w.otherwhite = g[G_CURRENTWHITE] ^ GC_WHITES;
    vm_bytes(&w, g);
    uint64_t mmudata = lj_le(g + G_MMUDATA, 8), next;
    /* the root list, the finalizer queue (circular: from the last's
     * successor round to the last), the strings */
    if (walk_list(&w, lj_le(g + G_GC_ROOT, 8), 0) && mmudata && visit(&w, mmudata, &next))
        walk_list(&w, next, mmudata);
    if (!c->inconsistency[0])
        walk_strings(&w, lj_le(g + G_STR_TAB, 8), lj_le(g + G_STR_MASK, 4));
    /* cdata by C type, the biggest first */
    for (int i = 1; i < c->nctype; i++)
        for (int k = i; k > 0 && c->ctype[k].bytes > c->ctype[k - 1].bytes; k--) {
            struct lua_gc_ctype t = c->ctype[k];
            c->ctype[k] = c->ctype[k - 1];
            c->ctype[k - 1] = t;
        }
    c->string_table_count = lj_le(g + G_STR_NUM, 4);
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
