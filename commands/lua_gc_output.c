#include "lua_gc_output.h"

#include <stdio.h>
#include <string.h>

#include "format.h"
#include "glibc_summary.h"

static const struct column type_columns[] = {
    { "type", "type", VAL_ID, 0, IN_BOTH },
    { "count", "count", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "percent", "% GC", VAL_PERCENT, 1, IN_BOTH },
    { "min_bytes", "min", VAL_BYTES, 3, IN_BOTH },
    { "max_bytes", "max", VAL_BYTES, 2, IN_BOTH },
};

static const struct column top_columns[] = {
    { "type", "type", VAL_ID, 0, IN_BOTH },
    { "address", "address", VAL_ADDRESS, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "path", "path from the roots", VAL_TEXT, 0, IN_BOTH },
};

bool lua_gc_gather(const struct mem_reader *m, const struct nginx_lua_vm *vm, int top,
                   struct lua_gc_census *c, struct lua_gc_paths *p, char *err, size_t errlen)
{
    if (!lua_gc_census(m, vm, top, c, err, errlen))
        return false;
    uint64_t targets[LUA_GC_TOP + 1];
    int n = 0;
    for (; n < c->ntop; n++)
        targets[n] = c->top[n].address;
    if (p->asked)
        targets[n++] = p->asked_address;
    for (int i = 0; i < n; i++)
        p->path[i][0] = 0;
    memset(&p->search, 0, sizeof p->search);
    return !n || lua_gc_paths(m, vm, targets, n, p->path, &p->search, err, errlen);
}

static const struct column free_columns[] = {
    { "size", "size", VAL_TEXT, 0, TEXT_ONLY },
    { "from_bytes", "from", VAL_BYTES, 0, JSON_ONLY },
    { "to_bytes", "to", VAL_BYTES, 0, JSON_ONLY },
    { "chunk_count", "chunks", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
};

static struct value share(uint64_t part, uint64_t whole)
{
    return whole ? val_percent(part, whole) : val_none();
}

void lua_gc_by_type_table(struct result *r, const char *key, const char *title,
                          const struct lua_gc_census *c)
{
    result_table(r, key, title, type_columns, ARRAY_LEN(type_columns));
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
}

struct value lua_gc_path_value(struct result *r, const char *path)
{
    return path[0] ? val_text(r, "%s", path) : val_none();
}

void lua_gc_top_table(struct result *r, const char *key, const char *title,
                      const struct lua_gc_census *c, const struct lua_gc_paths *p)
{
    result_table(r, key, title, top_columns, ARRAY_LEN(top_columns));
    for (int i = 0; i < c->ntop; i++) {
        struct value row[] = { val_id(lua_gc_type_name(c->top[i].type)),
                               val_address(c->top[i].address), val_bytes(c->top[i].bytes),
                               lua_gc_path_value(r, p->path[i]) };
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
}

void lua_alloc_result(struct result *r, const char *key, const char *sizes_key,
                      const char *title, const struct lua_alloc_stats *s)
{
    result_facts(r, key, title);
    result_fact(r, "segment_count", "segments", val_count(s->segment_count), NULL);
    result_fact(r, "segment_bytes", "their bytes", val_bytes(s->segment_bytes),
                "mapped by LuaJIT's allocator");
    result_fact(r, "in_use_count", "chunks in use", val_count(s->in_use_count), NULL);
    result_fact(r, "in_use_bytes", "their bytes", val_bytes(s->in_use_bytes),
                "with their 8-byte headers");
    result_fact(r, "free_count", "free chunks", val_count(s->free_count), NULL);
    result_fact(r, "free_bytes", "their bytes", val_bytes(s->free_bytes), NULL);
    result_fact(r, "largest_free_bytes", "largest free", val_bytes(s->largest_free_bytes), NULL);
    result_fact(r, "top_bytes", "top chunk", val_bytes(s->top_bytes),
                "where new chunks are cut");
    result_fact(r, "overhead_bytes", "segment records", val_bytes(s->overhead_bytes),
                "and fenceposts");
    result_fact(r, "returnable_bytes", "could be returned", val_bytes(s->returnable_bytes),
                "whole pages in free chunks and the top");
    result_table(r, sizes_key, "Its free chunks by size:", free_columns, ARRAY_LEN(free_columns));
    result_chart(r, CHART_BARS, 0, 4, 0);
    for (int i = 0; i < LUA_ALLOC_SIZE_CLASSES; i++) {
        const struct lua_alloc_class *k = &s->free_by_size[i];
        uint64_t from = lua_alloc_class_from(i);
        bool last = i + 1 == LUA_ALLOC_SIZE_CLASSES;
        char lo[32];
        if (!k->count)
            continue;
        struct value row[] = {
            last ? val_text(r, "[%s, ...)", format_bytes(from, lo, sizeof lo))
                 : glibc_bucket_label(r, __builtin_ctzll(from)),
            val_bytes(from), last ? val_none() : val_bytes(2 * from),
            val_count(k->count), val_bytes(k->bytes),
        };
        result_row(r, row);
    }
    if (s->inconsistency[0])
        result_warning(r, "LuaJIT's allocator: inconsistent: %s; that segment's walk stopped "
                          "there", s->inconsistency);
}
