/* LuaJIT's garbage-collected objects by type: what the GC's total
 * (collectgarbage("count")) is made of. Read from the GC's own lists -
 * the root list, each thread's open upvalues, the finalizer queue, the
 * string table's chains - in LuaJIT 2.1's GC64 layout (Debian 12 on) or
 * 2.1.0-beta3's with 32-bit references (Debian 11), each object's size as
 * LuaJIT computes it when it frees it. Analysis only: memory through a
 * mem_reader. */
#ifndef NGXMEM_LUA_GC_H
#define NGXMEM_LUA_GC_H

#include "inferior_text.h"
#include "nginx_lua.h"

enum lua_gc_type {
    LUA_GC_STRING, LUA_GC_UPVALUE, LUA_GC_THREAD, LUA_GC_PROTO, LUA_GC_LUA_FUNCTION,
    LUA_GC_C_FUNCTION, LUA_GC_TRACE, LUA_GC_CDATA, LUA_GC_TABLE, LUA_GC_USERDATA,
    LUA_GC_TYPES
};

/* The JSON identifier of a type ("string", "lua_function", ...). */
const char *lua_gc_type_name(enum lua_gc_type t);

struct lua_gc_type_stats {
    uint64_t count, bytes, min_bytes, max_bytes;
};

struct lua_gc_object {
    uint64_t address, bytes;
    enum lua_gc_type type;
};

/* cdata by C type (LuaJIT's ctype id; its name where the type has one) */
enum { LUA_GC_CTYPES = 64, LUA_GC_TOP = 64, LUA_GC_NAME = 256 };
struct lua_gc_ctype {
    uint64_t bytes, count;
    unsigned id;
    struct inferior_text name;   /* empty: the type has no name of its own */
};

/* The VM's own allocations that are no GC object, each counted in the
 * GC's total: its global state (the main thread, the global and the JIT
 * state in one block), the string table, the temporary buffer, the main
 * thread's stack, the C type table, the JIT's buffers. */
struct lua_gc_vm_bytes {
    uint64_t state, string_table, tmpbuf, main_stack, ctypes, jit_buffers;
    /* the JIT state's sizes did not fit in the GC's total (a luajit2 whose
     * jit_State is laid out otherwise): not counted, in "listed nowhere" */
    bool jit_unknown;
};

struct lua_gc_census {
    struct lua_gc_type_stats type[LUA_GC_TYPES];
    uint64_t object_count, object_bytes;
    uint64_t table_array_bytes, table_hash_bytes;   /* the tables' parts */
    uint64_t string_slots, string_used_slots, string_longest_chain, string_table_count;
    struct lua_gc_vm_bytes vm;
    uint64_t gc_total;          /* g->gc.total at the read */
    uint64_t other_bytes;       /* gc_total - objects - vm: allocations listed nowhere */
    uint64_t dead_count, dead_bytes;   /* swept in this GC cycle, not yet freed */
    /* cdata with a finalizer (ffi.gc); objects queued for their finalizers
     * (userdata with __gc and such cdata the GC found unreachable) */
    uint64_t finalizer_cdata_count, finalizer_cdata_bytes, queued_count, queued_bytes;
    const char *gc_state;       /* "pause", "propagate", ... */
    struct lua_gc_object top[LUA_GC_TOP];
    int ntop;
    struct lua_gc_ctype ctype[LUA_GC_CTYPES];
    int nctype;
    uint64_t ctype_other_count, ctype_other_bytes;   /* beyond LUA_GC_CTYPES types */
    /* A list that did not check out (a type byte no object has, a size
     * beyond the GC's total, a list longer than the total allows): the
     * walk stopped there; the figures are what was read before. NULL: none. */
    char inconsistency[160];
};

/* Walk VM's objects into C, keeping the TOP_N biggest. False + ERR when
 * VM's layout is none of those or its state is unreadable. */
bool lua_gc_census(const struct mem_reader *m, const struct nginx_lua_vm *vm, int top_n,
                   struct lua_gc_census *c, char *err, size_t errlen);

#endif
