/* ngx-lua-gc: what LuaJIT's garbage collector holds, by object type. */
#include "commands.h"

#include <string.h>

#include "command_output.h"
#include "glibc_session.h"
#include "lua_gc_output.h"
#include "nginx_describe.h"
#include "ngxmem.h"

enum { LUA_GC_TOP_DEFAULT = 10 };

static const struct column ctype_columns[] = {
    { "ctype_id", "ctype", VAL_INT, 0, IN_BOTH },
    { "name", "name", VAL_INFERIOR, 0, IN_BOTH },
    { "count", "count", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
};

static const struct option_def lua_gc_options[] = {
    { "--top", OPT_NUMBER, "N", LUA_GC_TOP, 0 },
    { "--path", OPT_NUMBER, "ADDR", 0, 0 },
};

static const struct command_def lua_gc_def = {
    "ngx-lua-gc", "What LuaJIT's garbage collector holds, by object type.", NULL, 0, 0,
    lua_gc_options, ARRAY_LEN(lua_gc_options), COMMON_OUTPUT,
    "Walks the Lua VM's objects (the GC's root list, the threads' open upvalues,\n"
    "the finalizer queue and the string table) and gives per type - string,\n"
    "table, Lua and C function, upvalue, thread, proto, trace, cdata, userdata -\n"
    "count, bytes, smallest and biggest; then the VM's own allocations (its\n"
    "global state, the string table, buffers, the C type table, the JIT's\n"
    "buffers) and what is listed nowhere, summing to the GC's total (what\n"
    "collectgarbage(\"count\") says, in bytes); the tables' array and hash parts;\n"
    "cdata by C type; LuaJIT's allocator (lj_alloc) walked chunk by chunk: in\n"
    "use, free by size, the top, what could be returned (whole free pages);\n"
    "the --top N biggest objects (10 by default), each with its\n"
    "path from the roots: the globals (_G), then the registry, then the main\n"
    "thread, then the GC's own roots ([cdata metatable], ...), shortest first,\n"
    "as Lua would write it (_G.package.loaded.m.cache, [\"a key\\n\"] escaped as\n"
    "Lua does); --path ADDR gives the path of any object. Objects found dead\n"
    "while the GC sweeps are still counted, and said; so are cdata with\n"
    "finalizers (ffi.gc) and the objects awaiting their finalizers.\n"
    "On a worker (its VM serves requests), a master, or a core; LuaJIT 2.1\n"
    "with GC64 (Debian 12 on) or 2.1.0-beta3's 32-bit references (Debian 11).\n"
    "The process is stopped while it is read.\n",
    "Example: ngx-lua-gc --top 5\n"
    "         ngx-lua-gc --path 0x7f3a1c2b4e10",
};

/* TEXT_ROWS: the C types text shows (JSON has every one) */
static void lua_gc_result(const struct nginx_lua_vm *vm, const struct lua_gc_census *c,
                          const struct lua_gc_paths *p, const struct lua_alloc_walked *a,
                          int text_rows, struct result *r)
{
    result_facts(r, NULL, NULL);
    result_fact(r, "gc_total_bytes", "held by its GC", val_bytes(c->gc_total),
                "collectgarbage(\"count\"), at %s", vm->layout);
    result_fact(r, "lua_state", "lua_State", val_address(vm->state), NULL);
    result_fact(r, "gc_state", "GC phase", val_id(c->gc_state), NULL);
    result_fact(r, "object_count", "objects", val_count(c->object_count), NULL);
    result_fact(r, "object_bytes", "their bytes", val_bytes(c->object_bytes), NULL);
    result_fact(r, "dead_count", "dead, not yet freed", val_count(c->dead_count),
                "found by the sweep in progress, counted above");
    result_fact(r, "dead_bytes", "their bytes", val_bytes(c->dead_bytes), NULL);
    result_fact(r, "finalizer_cdata_count", "cdata with finalizers",
                val_count(c->finalizer_cdata_count), "ffi.gc: freed by their finalizer");
    result_fact(r, "finalizer_cdata_bytes", "their bytes", val_bytes(c->finalizer_cdata_bytes),
                NULL);
    result_fact(r, "queued_count", "awaiting finalizers", val_count(c->queued_count),
                "unreachable, __gc or ffi.gc not yet run");
    result_fact(r, "queued_bytes", "their bytes", val_bytes(c->queued_bytes), NULL);

    lua_gc_by_type_table(r, "by_type", "GC objects by type:", c);

    const struct lua_gc_vm_bytes *v = &c->vm;
    result_facts(r, "vm", "The VM's own allocations (in the GC's total, not objects):");
    result_fact(r, "state_bytes", "global state", val_bytes(v->state),
                "main thread, global and JIT state (GG_State)");
    result_fact(r, "string_table_bytes", "string table", val_bytes(v->string_table), NULL);
    result_fact(r, "tmpbuf_bytes", "string buffer", val_bytes(v->tmpbuf), NULL);
    result_fact(r, "main_stack_bytes", "main thread's stack", val_bytes(v->main_stack),
                "in the thread row");
    result_fact(r, "ctype_bytes", "C type table", val_bytes(v->ctypes), NULL);
    if (v->jit_unknown)
        result_fact(r, "jit_buffer_bytes", "JIT buffers", val_none(),
                    "this LuaJIT's JIT state is laid out otherwise: in \"listed nowhere\"");
    else
        result_fact(r, "jit_buffer_bytes", "JIT buffers", val_bytes(v->jit_buffers),
                    "IR, snapshots, trace array");
    result_fact(r, "other_bytes", "listed nowhere", val_bytes(c->other_bytes),
                "the GC's total less all of the above");

    result_facts(r, "strings", "Strings and tables:");
    result_fact(r, "string_count", "strings", val_count(c->type[LUA_GC_STRING].count), NULL);
    result_fact(r, "string_slots", "string table slots", val_count(c->string_slots), NULL);
    result_fact(r, "string_used_slots", "used", val_count(c->string_used_slots), NULL);
    result_fact(r, "string_longest_chain", "longest chain", val_count(c->string_longest_chain),
                NULL);
    result_fact(r, "table_array_bytes", "tables' array parts", val_bytes(c->table_array_bytes),
                NULL);
    result_fact(r, "table_hash_bytes", "tables' hash parts", val_bytes(c->table_hash_bytes),
                NULL);

    result_table(r, "cdata_by_ctype", "cdata by C type:", ctype_columns,
                 ARRAY_LEN(ctype_columns));
    int shown = c->nctype < text_rows ? c->nctype : text_rows;
    for (int i = 0; i < shown; i++) {
        struct value row[] = { val_int(c->ctype[i].id), val_inferior(r, &c->ctype[i].name),
                               val_count(c->ctype[i].count), val_bytes(c->ctype[i].bytes) };
        result_row(r, row);
    }
    if (shown < c->nctype)
        result_note(r, "%d more C types of cdata (--json lists them)", c->nctype - shown);
    if (c->ctype_other_count)
        result_note(r, "%llu more cdata (%llu bytes) of C types beyond the first %d",
                    (unsigned long long)c->ctype_other_count,
                    (unsigned long long)c->ctype_other_bytes, LUA_GC_CTYPES);

    if (a->walked)
        lua_alloc_result(r, "allocator", "allocator_free_by_size",
                         "LuaJIT's allocator (lj_alloc):", &a->stats);
    else
        result_note(r, "LuaJIT's allocator not walked: %s", a->why);

    lua_gc_top_table(r, "top", "The biggest objects:", c, p);
    if (p->asked) {
        result_facts(r, "path_of", "The object asked for:");
        result_fact(r, "address", "address", val_address(p->asked_address), NULL);
        result_fact(r, "path", "path from the roots", lua_gc_path_value(r, p->path[c->ntop]),
                    p->path[c->ntop][0] ? NULL : "reached from no root");
    }
    if (c->inconsistency[0])
        result_warning(r, "inconsistent: %s; the figures are what was read before it",
                       c->inconsistency);
}

static void ngx_lua_gc_command(const char *args, int from_tty)
{
    (void)from_tty;
    GLIBC_SESSION s;
    RESULT(r);
    char err[512];
    if (!glibc_session_begin(&s, &lua_gc_def, args))
        return;
    struct output_options o = output_options(&s.opts);
    int top = (int)opt_number(&s.opts, "--top", LUA_GC_TOP_DEFAULT);
    struct nginx_state st;
    struct nginx_lua_vm vm;
    if (!nginx_state_find(&s.reader, &st, err, sizeof err))
        ngxmem_error("ngx-lua-gc: %s", err);
    if (!nginx_lua_vm(&s.reader, &st, &vm, err, sizeof err))
        ngxmem_error("ngx-lua-gc: %s", err);
    static struct lua_gc_census c;
    static struct lua_gc_paths p;
    p.asked = opt_given(&s.opts, "--path");
    p.asked_address = opt_number(&s.opts, "--path", 0);
    if (!lua_gc_gather(&s.reader, &vm, top, &c, &p, err, sizeof err))
        ngxmem_error("ngx-lua-gc: %s", err);
    result_init(&r, "ngx-lua-gc");
    nginx_describe(&st, &r);
    static struct lua_alloc_walked a;
    a.walked = lua_alloc_walk(&s.reader, &vm, &a.stats, a.why, sizeof a.why);
    lua_gc_result(&vm, &c, &p, &a, o.json ? LUA_GC_CTYPES : top, &r);
    command_emit(&r, &o);
}

void lua_gc_register(void)
{
    command_register(&lua_gc_def, ngx_lua_gc_command);
}
