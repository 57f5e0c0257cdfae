/* ngx-lua-gc: what LuaJIT's garbage collector holds, by object type. */
#include "commands.h"

#include <string.h>

#include "command_output.h"
#include "glibc_session.h"
#include "lua_gc.h"
#include "lua_gc_path.h"
#include "nginx_describe.h"
#include "ngxmem.h"

enum { LUA_GC_TOP_DEFAULT = 10 };

static const struct column type_columns[] = {
    { "type", "type", VAL_ID, 0, IN_BOTH },
    { "count", "count", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "percent", "% GC", VAL_PERCENT, 1, IN_BOTH },
    { "min_bytes", "min", VAL_BYTES, 3, IN_BOTH },
    { "max_bytes", "max", VAL_BYTES, 2, IN_BOTH },
};

static const struct column ctype_columns[] = {
    { "ctype_id", "ctype", VAL_INT, 0, IN_BOTH },
    { "name", "name", VAL_INFERIOR, 0, IN_BOTH },
    { "count", "count", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
};

static const struct column top_columns[] = {
    { "type", "type", VAL_ID, 0, IN_BOTH },
    { "address", "address", VAL_ADDRESS, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "path", "path from the roots", VAL_TEXT, 0, IN_BOTH },
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
    "cdata by C type; the --top N biggest objects (10 by default), each with its\n"
    "path from the roots: the globals (_G), then the registry, then the main\n"
    "thread, then the GC's own roots ([cdata metatable], ...), shortest first,\n"
    "as Lua would write it (_G.package.loaded.m.cache, [\"a key\\n\"] escaped as\n"
    "Lua does); --path ADDR gives the path of any object. Objects found dead\n"
    "while the GC sweeps are still counted, and said.\n"
    "On a worker (its VM serves requests), a master, or a core; LuaJIT 2.1\n"
    "with GC64 (Debian 12 on) or 2.1.0-beta3's 32-bit references (Debian 11).\n"
    "The process is stopped while it is read.\n",
    "Example: ngx-lua-gc --top 5\n"
    "         ngx-lua-gc --path 0x7f3a1c2b4e10",
};

static struct value share(uint64_t part, uint64_t whole)
{
    return whole ? val_percent(part, whole) : val_none();
}

/* The paths of the census' biggest objects and of --path's object (the
 * last): "" where no root reaches it */
struct lua_gc_paths {
    char path[LUA_GC_TOP + 1][LUA_GC_PATH];
    bool asked;                  /* --path */
    uint64_t asked_address;
    struct lua_gc_path_search search;
};

static struct value path_value(struct result *r, const char *path)
{
    return path[0] ? val_text(r, "%s", path) : val_none();
}

/* TEXT_ROWS: the C types text shows (JSON has every one) */
static void lua_gc_result(const struct nginx_lua_vm *vm, const struct lua_gc_census *c,
                          const struct lua_gc_paths *p, int text_rows, struct result *r)
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

    result_table(r, "by_type", "GC objects by type:", type_columns, ARRAY_LEN(type_columns));
    for (int t = 0; t < LUA_GC_TYPES; t++) {
        const struct lua_gc_type_stats *s = &c->type[t];
        struct value row[] = {
            val_id(lua_gc_type_name(t)), val_count(s->count), val_bytes(s->bytes),
            share(s->bytes, c->gc_total), s->count ? val_bytes(s->min_bytes) : val_none(),
            s->count ? val_bytes(s->max_bytes) : val_none(),
        };
        result_row(r, row);
    }
    struct value total[] = { val_id("total"), val_count(c->object_count),
                             val_bytes(c->object_bytes), share(c->object_bytes, c->gc_total),
                             val_none(), val_none() };
    result_total(r, total);
    result_chart(r, CHART_SHARES, 0, 2, -1);

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

    result_table(r, "top", "The biggest objects:", top_columns, ARRAY_LEN(top_columns));
    for (int i = 0; i < c->ntop; i++) {
        struct value row[] = { val_id(lua_gc_type_name(c->top[i].type)),
                               val_address(c->top[i].address), val_bytes(c->top[i].bytes),
                               path_value(r, p->path[i]) };
        result_row(r, row);
    }
    int missing = 0;
    for (int i = 0; i < c->ntop + p->asked; i++)
        missing += !p->path[i][0];
    if (missing && p->search.limited)
        result_note(r, "%d objects without a path: the search stopped at %d objects, they may "
                       "be beyond", missing, LUA_GC_PATH_OBJECTS);
    else if (missing)
        result_note(r, "%d objects without a path: the %llu objects holding references that the "
                       "roots reach within %d steps do not reach them (garbage the GC has not swept yet)", missing,
                    (unsigned long long)p->search.visited, LUA_GC_PATH_DEPTH);
    if (p->search.inconsistency[0])
        result_warning(r, "the path search stopped: %s", p->search.inconsistency);
    if (p->asked) {
        result_facts(r, "path_of", "The object asked for:");
        result_fact(r, "address", "address", val_address(p->asked_address), NULL);
        result_fact(r, "path", "path from the roots", path_value(r, p->path[c->ntop]),
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
    if (!lua_gc_census(&s.reader, &vm, top, &c, err, sizeof err))
        ngxmem_error("ngx-lua-gc: %s", err);
    static struct lua_gc_paths p;
    memset(&p, 0, sizeof p);
    uint64_t targets[LUA_GC_TOP + 1];
    int n = 0;
    for (; n < c.ntop; n++)
        targets[n] = c.top[n].address;
    p.asked = opt_given(&s.opts, "--path");
    p.asked_address = opt_number(&s.opts, "--path", 0);
    if (p.asked)
        targets[n++] = p.asked_address;
    if (n && !lua_gc_paths(&s.reader, &vm, targets, n, p.path, &p.search, err, sizeof err))
        ngxmem_error("ngx-lua-gc: %s", err);
    result_init(&r, "ngx-lua-gc");
    nginx_describe(&st, &r);
    lua_gc_result(&vm, &c, &p, o.json ? LUA_GC_CTYPES : top, &r);
    command_emit(&r, &o);
}

void lua_gc_register(void)
{
    command_register(&lua_gc_def, ngx_lua_gc_command);
}
