#include "lua_gc_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block_cache.h"
#include "grow_array.h"
#include "lua_gc_layout.h"

/* how an object was reached from the one before it on its path */
enum path_edge {
    EDGE_GLOBALS, EDGE_REGISTRY, EDGE_MAIN_THREAD, EDGE_GC_ROOT,   /* the roots */
    EDGE_ARRAY, EDGE_FIELD, EDGE_KEY, EDGE_METATABLE, EDGE_ENV, EDGE_UPVALUE,
    EDGE_UPVALUE_VALUE, EDGE_STACK, EDGE_PROTO, EDGE_CONSTANT,
};

enum { SCAN_BLOCK = 512, KEY_SHOWN = 64, NO_PARENT = UINT32_MAX };

/* KEY: an array index, a field's key (a TValue), an upvalue, stack slot
 * or constant number */
struct path_node {
    uint64_t addr, key;
    uint32_t parent;
    uint8_t edge, depth, gct;
};

struct path_target {
    uint64_t addr;
    int index;                  /* in the caller's TARGETS */
};

struct path_found {
    uint64_t key;
    uint32_t parent;
    uint8_t edge;
    bool found;
};

struct path_walk {
    struct block_cache cache;
    struct mem_reader r;
    const struct lj_gc_layout *L;
    struct path_node *node;
    size_t n, cap;
    uint32_t *slot;             /* open addressing over node: index + 1, 0 empty */
    size_t slot_mask;
    struct path_target *target;
    struct path_found *found;   /* by the caller's index */
    int ntargets, left;
    uint64_t budget;            /* references left: the GC's total / a reference's bytes */
    struct lua_gc_path_search *s;
};

static bool inconsistent(struct path_walk *w, const char *what, uint64_t addr)
{
    if (!w->s->inconsistency[0])
        snprintf(w->s->inconsistency, sizeof w->s->inconsistency, "%s at 0x%llx", what,
                 (unsigned long long)addr);
    return false;
}

static size_t slot_of(uint64_t addr, size_t mask)
{
    return (size_t)((addr >> 4) * 0x9e3779b97f4a7c15ull >> 20) & mask;
}

static bool slots_grow(struct path_walk *w)
{
    size_t size = w->slot ? 2 * (w->slot_mask + 1) : 4096;
    uint32_t *slot = calloc(size, sizeof *slot);
    if (!slot)
        return false;
    for (size_t i = 0; i < w->n; i++) {
        size_t k = slot_of(w->node[i].addr, size - 1);
        while (slot[k])
            k = (k + 1) & (size - 1);
        slot[k] = (uint32_t)i + 1;
    }
    free(w->slot);
    w->slot = slot;
    w->slot_mask = size - 1;
    return true;
}

/* Is ADDR one of the targets not found yet? Then it is found here. */
static void target_check(struct path_walk *w, uint64_t addr, uint32_t parent, uint8_t edge,
                         uint64_t key)
{
    int lo = 0, hi = w->ntargets;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (w->target[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* equal addresses (one target asked twice) are next to each other */
    for (; lo < w->ntargets && w->target[lo].addr == addr; lo++) {
        struct path_found *f = &w->found[w->target[lo].index];
        if (!f->found) {
            *f = (struct path_found){ key, parent, edge, true };
            w->left--;
        }
    }
}

/* The object at ADDR of type GCT (0: read it from its header) reached
 * from node PARENT by EDGE and KEY: a target found, a container queued
 * unless it was already. */
static bool reach(struct path_walk *w, uint32_t parent, uint8_t edge, uint64_t key,
                  uint64_t addr, unsigned gct)
{
    if (!addr)
        return true;
    target_check(w, addr, parent, edge, key);
    uint8_t depth = parent == NO_PARENT ? 0 : w->node[parent].depth + 1;
    if (depth >= LUA_GC_PATH_DEPTH)
        return true;
    if (!gct) {
        uint8_t h[O_READ];
        if (mem_read(&w->r, addr, h, w->L->header) != 0)
            return inconsistent(w, "a reference to memory that cannot be read", addr);
        gct = h[w->L->o_gct];
    }
    if (gct != GCT_UPVAL && gct != GCT_THREAD && gct != GCT_PROTO && gct != GCT_FUNC &&
        gct != GCT_TAB && gct != GCT_UDATA)
        return true;   /* strings, cdata, traces: they reference nothing we follow */
    if (2 * (w->n + 1) > w->slot_mask && !slots_grow(w))
        return inconsistent(w, "no memory for the objects visited", addr);
    size_t k = slot_of(addr, w->slot_mask);
    for (; w->slot[k]; k = (k + 1) & w->slot_mask)
        if (w->node[w->slot[k] - 1].addr == addr)
            return true;
    if (w->n == LUA_GC_PATH_OBJECTS) {
        w->s->limited = true;
        return true;
    }
    if (!grow_array(&w->node, &w->cap, w->n, sizeof *w->node, 4096))
        return inconsistent(w, "no memory for the objects visited", addr);
    w->node[w->n] = (struct path_node){ addr, key, parent, edge, depth, (uint8_t)gct };
    w->slot[k] = (uint32_t)++w->n;
    return true;
}

static bool reach_tvalue(struct path_walk *w, uint32_t parent, uint8_t edge, uint64_t key,
                         uint64_t tv)
{
    return !lj_tvisgcv(w->L, tv) ||
           reach(w, parent, edge, key, lj_gcval(w->L, tv), (uint8_t)~lj_itype(w->L, tv));
}

/* COUNT TValues (or GC references, REFS) at ADDR, each reached by EDGE
 * with key FIRST_KEY on; within the budget */
static bool scan_slots(struct path_walk *w, uint32_t from, uint8_t edge, uint64_t first_key,
                       uint64_t addr, uint64_t count, bool refs)
{
    if (count > w->budget)
        return inconsistent(w, "more references than the GC's total holds", addr);
    w->budget -= count;
    unsigned size = refs ? w->L->ref : TVALUE_BYTES;
    uint8_t v[SCAN_BLOCK * TVALUE_BYTES];
    for (uint64_t i = 0; i < count; i += SCAN_BLOCK) {
        uint64_t len = count - i < SCAN_BLOCK ? count - i : SCAN_BLOCK;
        if (mem_read(&w->r, addr + i * size, v, len * size) != 0)
            return inconsistent(w, "references that cannot be read", addr + i * size);
        for (uint64_t k = 0; k < len; k++) {
            uint64_t x = lj_le(v + k * size, size);
            if (!(refs ? reach(w, from, edge, first_key + i + k, x, 0)
                       : reach_tvalue(w, from, edge, first_key + i + k, x)))
                return false;
        }
    }
    return true;
}

/* A table's hash part: SLOTS nodes of value, key, next */
static bool scan_hash(struct path_walk *w, uint32_t from, uint64_t addr, uint64_t slots)
{
    if (slots > w->budget / 2)
        return inconsistent(w, "a hash part beyond the GC's total", addr);
    w->budget -= 2 * slots;
    uint64_t v[3 * (SCAN_BLOCK / 3)];
    for (uint64_t i = 0; i < slots; i += SCAN_BLOCK / 3) {
        uint64_t len = slots - i < SCAN_BLOCK / 3 ? slots - i : SCAN_BLOCK / 3;
        if (mem_read(&w->r, addr + i * NODE_BYTES, v, len * NODE_BYTES) != 0)
            return inconsistent(w, "a hash part that cannot be read", addr + i * NODE_BYTES);
        for (uint64_t k = 0; k < len; k++) {
            uint64_t val = v[3 * k + NODE_VAL / 8], key = v[3 * k + NODE_KEY / 8];
            if (lj_itype(w->L, val) == LJ_TNIL)
                continue;
            if (!reach_tvalue(w, from, EDGE_KEY, 0, key) ||
                !reach_tvalue(w, from, EDGE_FIELD, key, val))
                return false;
        }
    }
    return true;
}

/* The bytes of type GCT's fields that expand reads: no more (a small
 * object may end its mapping) */
static unsigned expand_fields(const struct lj_gc_layout *L, unsigned gct)
{
    switch (gct) {
    case GCT_TAB: return L->tab_hmask + 4u;
    case GCT_FUNC: return L->fn_l_uvptr;
    case GCT_UPVAL: return L->uv_v + (unsigned)L->ref;
    case GCT_THREAD: return L->th_stacksize + 4u;
    case GCT_UDATA: return L->ud_metatable + (unsigned)L->ref;
    default: return L->pt_sizekgc + 4u;   /* GCT_PROTO */
    }
}

/* Node I's references, as LuaJIT's GC traverses them (lj_gc.c) */
static bool expand(struct path_walk *w, uint32_t i)
{
    const struct lj_gc_layout *L = w->L;
    const unsigned ref = L->ref;
    const struct path_node o = w->node[i];
    uint8_t b[O_READ];
    if (mem_read(&w->r, o.addr, b, expand_fields(L, o.gct)) != 0)
        return inconsistent(w, "an object that cannot be read", o.addr);
    switch (o.gct) {
    case GCT_TAB: {
        uint64_t asize = lj_le(b + L->tab_asize, 4), hmask = lj_le(b + L->tab_hmask, 4);
        return reach(w, i, EDGE_METATABLE, 0, lj_le(b + L->tab_metatable, ref), GCT_TAB) &&
               scan_slots(w, i, EDGE_ARRAY, 0, lj_le(b + L->tab_array, ref), asize, false) &&
               (!hmask || scan_hash(w, i, lj_le(b + L->tab_node, ref), hmask + 1));
    }
    case GCT_FUNC: {
        uint64_t n = b[L->fn_nupvalues];
        if (!reach(w, i, EDGE_ENV, 0, lj_le(b + L->fn_env, ref), GCT_TAB))
            return false;
        if (b[L->fn_ffid])   /* a C function: its upvalues are values */
            return scan_slots(w, i, EDGE_UPVALUE, 1, o.addr + L->fn_c_upvalue, n, false);
        uint64_t pc = lj_le(b + L->fn_pc, ref);
        return (pc <= L->pt_bytes || reach(w, i, EDGE_PROTO, 0, pc - L->pt_bytes, GCT_PROTO)) &&
               scan_slots(w, i, EDGE_UPVALUE, 1, o.addr + L->fn_l_uvptr, n, true);
    }
    case GCT_UPVAL: {
        uint64_t tv;   /* closed: its own value; open: a stack slot */
        if (mem_read(&w->r, lj_le(b + L->uv_v, ref), &tv, sizeof tv) != 0)
            return inconsistent(w, "an upvalue whose value cannot be read", o.addr);
        return reach_tvalue(w, i, EDGE_UPVALUE_VALUE, 0, tv);
    }
    case GCT_THREAD: {
        uint64_t stack = lj_le(b + L->th_stack, ref), top = lj_le(b + L->th_top, 8);
        uint64_t size = lj_le(b + L->th_stacksize, 4);
        if (top < stack || (top - stack) / TVALUE_BYTES > size)
            return inconsistent(w, "a thread whose stack top is outside its stack", o.addr);
        return reach(w, i, EDGE_ENV, 0, lj_le(b + L->th_env, ref), GCT_TAB) &&
               scan_slots(w, i, EDGE_STACK, 1, stack, (top - stack) / TVALUE_BYTES, false);
    }
    case GCT_UDATA:
        return reach(w, i, EDGE_METATABLE, 0, lj_le(b + L->ud_metatable, ref), GCT_TAB) &&
               reach(w, i, EDGE_ENV, 0, lj_le(b + L->ud_env, ref), GCT_TAB);
    case GCT_PROTO: {
        /* its GC constants: the SIZEKGC references below K */
        uint64_t k = lj_le(b + L->pt_k, ref), n = lj_le(b + L->pt_sizekgc, 4);
        return n * ref > k || scan_slots(w, i, EDGE_CONSTANT, 1, k - n * ref, n, true);
    }
    default:
        return true;
    }
}

struct path_root {
    uint64_t addr, key;
    uint8_t edge, gct;          /* gct 0: read from its header */
};

/* Breadth first from each of the N roots in turn: a root's objects are
 * an earlier root's if that reached them */
static void search(struct path_walk *w, const struct path_root *root, int n)
{
    size_t next = 0;
    for (int r = 0; r < n; r++) {
        if (!reach(w, NO_PARENT, root[r].edge, root[r].key, root[r].addr, root[r].gct))
            break;
        while (next < w->n && w->left > 0 && expand(w, (uint32_t)next))
            next++;
        if (w->s->inconsistency[0])
            break;
    }
    w->s->visited = w->n;
}

static bool lua_keyword(const char *s, size_t n)
{
    static const char *const words[] = {
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto",
        "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until",
        "while",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0)
            return true;
    return false;
}

static bool lua_identifier(const char *s, size_t n)
{
    if (!n || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
            s[i] != '_')
            return false;
    return !lua_keyword(s, n);
}

struct path_text {
    char *buf;
    size_t len;
    bool cut;
};

static void put(struct path_text *t, const char *s, size_t n)
{
    if (t->cut)
        return;
    if (t->len + n > LUA_GC_PATH - 4) {
        memcpy(t->buf + t->len, "...", 4);
        t->cut = true;
        return;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
}

static void putf(struct path_text *t, const char *fmt, unsigned long long v)
{
    char s[64];
    int n = snprintf(s, sizeof s, fmt, v);
    put(t, s, (size_t)n);
}

/* A string key: .name when Lua would take it so, else ["escaped"] */
static void put_string_key(struct path_walk *w, struct path_text *t, uint64_t str)
{
    uint8_t h[4];
    char s[KEY_SHOWN];
    if (mem_read(&w->r, str + w->L->str_len, h, sizeof h) != 0) {
        putf(t, "[string 0x%llx]", str);
        return;
    }
    uint64_t len = lj_le(h, 4), shown = len < KEY_SHOWN ? len : KEY_SHOWN;
    if (mem_read(&w->r, str + w->L->str_bytes, s, shown) != 0) {
        putf(t, "[string 0x%llx]", str);
        return;
    }
    if (shown == len && lua_identifier(s, len)) {
        put(t, ".", 1);
        put(t, s, len);
        return;
    }
    put(t, "[\"", 2);
    for (uint64_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[2] = { '\\', (char)c };
        if (c == '"' || c == '\\')
            put(t, esc, 2);
        else if (c == '\n')
            put(t, "\\n", 2);
        else if (c == '\t')
            put(t, "\\t", 2);
        else if (c == '\r')
            put(t, "\\r", 2);
        else if (c < 0x20 || c >= 0x7f)
            putf(t, "\\%u", c);
        else
            put(t, (const char *)&c, 1);
    }
    put(t, shown < len ? "\"...]" : "\"]", shown < len ? 5 : 2);
}

static void put_key(struct path_walk *w, struct path_text *t, uint64_t tv)
{
    static const char *const gc_names[] = {
        "string", "upvalue", "thread", "proto", "function", "trace", "cdata", "table",
        "userdata",
    };
    uint32_t it = lj_itype(w->L, tv);
    if (it == LJ_TSTR)
        put_string_key(w, t, lj_gcval(w->L, tv));
    else if (it <= LJ_TNUMX && !lj_tvislightud(w->L, tv)) {   /* a number */
        double d;
        memcpy(&d, &tv, sizeof d);
        char s[40];
        int n = d == (double)(long long)d && d > -9e15 && d < 9e15
                    ? snprintf(s, sizeof s, "[%lld]", (long long)d)
                    : snprintf(s, sizeof s, "[%.17g]", d);
        put(t, s, (size_t)n);
    } else if (it == LJ_TTRUE || it == LJ_TFALSE)
        put(t, it == LJ_TTRUE ? "[true]" : "[false]", it == LJ_TTRUE ? 6 : 7);
    else if (lj_tvisgcv(w->L, tv)) {
        char s[64];
        int n = snprintf(s, sizeof s, "[%s 0x%llx]", gc_names[(uint8_t)~it - GCT_FIRST],
                         (unsigned long long)lj_gcval(w->L, tv));
        put(t, s, (size_t)n);
    } else
        putf(t, "[lightuserdata 0x%llx]", lj_lightud(tv));
}

/* g->gcroot[I] as Lua would reach it (getmetatable(""), io.input()) */
static void put_gc_root(struct path_text *t, uint64_t i)
{
    static const char *const types[] = {
        "nil", "false", "true", "lightuserdata", "string", "upvalue", "thread", "proto",
        "function", "trace", "cdata", "table", "userdata", "number",
    };
    char s[64];
    int n = i < GCROOT_BASEMT ? snprintf(s, sizeof s, "[metamethod name %llu]",
                                         (unsigned long long)i)
            : i < GCROOT_IO_INPUT ? snprintf(s, sizeof s, "[%s metatable]",
                                             types[i - GCROOT_BASEMT])
            : i < GCROOT_MAX ? snprintf(s, sizeof s, "[default %s file]",
                                        i == GCROOT_IO_INPUT ? "input" : "output")
            : snprintf(s, sizeof s, "[ffi finalizer table]");
    put(t, s, (size_t)n);
}

static void put_edge(struct path_walk *w, struct path_text *t, uint8_t edge, uint64_t key)
{
    switch (edge) {
    case EDGE_GLOBALS: put(t, "_G", 2); break;
    case EDGE_REGISTRY: put(t, "[registry]", 10); break;
    case EDGE_MAIN_THREAD: put(t, "[main thread]", 13); break;
    case EDGE_GC_ROOT: put_gc_root(t, key); break;
    case EDGE_ARRAY: putf(t, "[%llu]", key); break;
    case EDGE_FIELD: put_key(w, t, key); break;
    case EDGE_KEY: put(t, "[key]", 5); break;
    case EDGE_METATABLE: put(t, "[metatable]", 11); break;
    case EDGE_ENV: put(t, "[env]", 5); break;
    case EDGE_UPVALUE: putf(t, "[upvalue %llu]", key); break;
    case EDGE_STACK: putf(t, "[stack %llu]", key); break;
    case EDGE_PROTO: put(t, "[proto]", 7); break;
    case EDGE_CONSTANT: putf(t, "[constant %llu]", key); break;
    default: break;   /* EDGE_UPVALUE_VALUE: the upvalue is its value */
    }
}

static void render(struct path_walk *w, const struct path_found *f, char *out)
{
    struct path_text t = { out, 0, false };
    uint32_t chain[LUA_GC_PATH_DEPTH + 1];
    int n = 0;
    for (uint32_t p = f->parent; p != NO_PARENT && n <= LUA_GC_PATH_DEPTH; p = w->node[p].parent)
        chain[n++] = p;
    while (n--)
        put_edge(w, &t, w->node[chain[n]].edge, w->node[chain[n]].key);
    put_edge(w, &t, f->edge, f->key);
}

static int by_address(const void *a, const void *b)
{
    const struct path_target *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

bool lua_gc_paths(const struct mem_reader *m, const struct nginx_lua_vm *vm,
                  const uint64_t *targets, int n, char (*paths)[LUA_GC_PATH],
                  struct lua_gc_path_search *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < n; i++)
        paths[i][0] = 0;
    const struct lj_gc_layout *L = lj_gc_layout_of(vm);
    if (!L) {
        snprintf(err, errlen, "no LuaJIT layout known here has %u-byte references",
                 vm->ref_bytes);
        return false;
    }
    struct path_walk w = { .L = L, .s = s, .ntargets = n, .left = n };
    w.target = calloc((size_t)n + 1, sizeof *w.target);
    w.found = calloc((size_t)n + 1, sizeof *w.found);
    if (!w.target || !w.found || !block_cache_init(&w.cache, m)) {
        free(w.target);
        free(w.found);
        snprintf(err, errlen, "out of memory for the path search");
        return false;
    }
    for (int i = 0; i < n; i++)
        w.target[i] = (struct path_target){ targets[i], i };
    qsort(w.target, (size_t)n, sizeof *w.target, by_address);
    /* scattered objects: windows that do not read a megabyte for each */
    block_cache_set_window(&w.cache, 64 << 10);
    w.r = lua_gc_cache_reader(&w.cache, m);
    uint8_t g[G_READ], l[O_READ], gcroot[(GCROOT_MAX + 1) * 8];
    if (mem_read(&w.r, vm->global, g, L->g_ctype_state + L->ref) == 0 &&
        mem_read(&w.r, vm->global + L->g_gcroot, gcroot, L->gcroots * L->ref) == 0 &&
        mem_read(&w.r, vm->state, l, expand_fields(L, GCT_THREAD)) == 0) {
        uint64_t registry = lj_le(g + L->g_registrytv, 8);
        w.budget = lj_le(g + L->g_gc_total, L->ref) / L->ref + 1;
        /* as LuaJIT's GC marks them (gc_mark_start), the GC's own roots last */
        struct path_root root[3 + GCROOT_MAX + 1] = {
            { lj_le(l + L->th_env, L->ref), 0, EDGE_GLOBALS, GCT_TAB },
            { lj_tvisgcv(L, registry) ? lj_gcval(L, registry) : 0, 0, EDGE_REGISTRY, GCT_TAB },
            { vm->state, 0, EDGE_MAIN_THREAD, GCT_THREAD },
        };
        for (int i = 0; i < L->gcroots; i++)
            root[3 + i] = (struct path_root){ lj_le(gcroot + i * L->ref, L->ref), (uint64_t)i,
                                              EDGE_GC_ROOT, 0 };
        int roots = 3 + L->gcroots;
        /* before it was a GC root, the finalizer table was the C type
         * state's (none in a VM that never loaded ffi) */
        uint64_t cts = lj_le(g + L->g_ctype_state, L->ref);
        uint8_t fin[8];
        if (L->cts_finalizer && cts && mem_read(&w.r, cts + L->cts_finalizer, fin, 8) == 0)
            root[roots++] = (struct path_root){ lj_le(fin, 8), GCROOT_FFI_FINALIZER,
                                                EDGE_GC_ROOT, GCT_TAB };
        search(&w, root, roots);
    } else
        inconsistent(&w, "a VM whose state cannot be read", vm->global);
    for (int i = 0; i < n; i++)
        if (w.found[i].found)
            render(&w, &w.found[i], paths[i]);
    block_cache_free(&w.cache);
    free(w.node);
    free(w.slot);
    free(w.target);
    free(w.found);
    return true;
}
