/* glibc-leaks and glibc-chunk-refs: the heap's ownership (owner graph)
 * asked about what nothing holds, and about what holds one chunk. On any
 * glibc process; in nginx with its pools and configurations as roots. */
#include "commands.h"

#include "args.h"
#include "command_output.h"
#include "expression_check.h"
#include "glibc_session.h"
#include "grow_array.h"
#include "ngxmem.h"
#include "owners_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct command_def leaks_def, refs_def;

struct owner_command {
    struct glibc_session glibc;
    struct owners_session owners;
};

static void owner_command_release(struct owner_command *c)
{
    owners_release(&c->owners);
    glibc_session_release(&c->glibc);
}

#define OWNER_COMMAND \
    struct owner_command __attribute__((cleanup(owner_command_release)))

/* Open, walk every arena once with the chunk index, and follow every root. */
static bool owner_command_run(struct owner_command *c, const struct command_def *d,
                              const char *args, owner_leak_fn leak, void *leak_arg)
{
    memset(c, 0, sizeof *c);
    if (!glibc_session_open(&c->glibc, d, args, 0))
        return false;
    struct chunk_fanout fan = { 0 };
    owners_begin_process(&c->owners, &c->glibc, &fan, d->name);
    glibc_session_walk_stats_with(&c->glibc, d->name, -1, &fan);
    owners_run_process(&c->owners, &c->glibc, leak, leak_arg, d->name);
    gdb_reader_done(&c->glibc.progress);
    return true;
}

/* ---- glibc-leaks ------------------------------------------------------ */

enum { LEAK_SAMPLES = 4 };

struct leak_size {
    uint64_t size, count;        /* size 0: an empty slot */
    uint64_t sample[LEAK_SAMPLES];
};

/* Leaked chunks by exact size: an open-addressing table that grows with
 * the sizes seen (never more than the leaked chunks). */
struct leak_sizes {
    struct leak_size *v;
    size_t cap, n;
    uint64_t min_size, count, bytes;
    bool oom;
};

static bool leak_sizes_grow(struct leak_sizes *t)
{
    size_t cap = t->cap ? 2 * t->cap : 256;
    struct leak_size *v = calloc(cap, sizeof *v);
    if (!v)
        return false;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->v[i].size)
            continue;
        size_t h = (size_t)(t->v[i].size * 0x9e3779b97f4a7c15ull) & (cap - 1);
        while (v[h].size)
            h = (h + 1) & (cap - 1);
        v[h] = t->v[i];
    }
    free(t->v);
    t->v = v;
    t->cap = cap;
    return true;
}

static void leak_seen(void *arg, uint64_t addr, uint64_t size)
{
    struct leak_sizes *t = arg;
    if (size < t->min_size || !size)
        return;
    t->count++;
    t->bytes += size;
    if (t->oom || ((t->n + 1) * 2 > t->cap && !leak_sizes_grow(t))) {
        t->oom = true;
        return;
    }
    size_t h = (size_t)(size * 0x9e3779b97f4a7c15ull) & (t->cap - 1);
    while (t->v[h].size && t->v[h].size != size)
        h = (h + 1) & (t->cap - 1);
    struct leak_size *e = &t->v[h];
    if (!e->size) {
        e->size = size;
        t->n++;
    }
    if (e->count < LEAK_SAMPLES)
        e->sample[e->count] = addr;
    e->count++;
}

static void free_leak_sizes(struct leak_sizes *t)
{
    free(t->v);
    t->v = NULL;
}

static int by_leaked_bytes(const void *a, const void *b)
{
    const struct leak_size *x = a, *y = b;
    uint64_t bx = x->size * x->count, by = y->size * y->count;
    if (bx != by)
        return bx > by ? -1 : 1;
    return x->size > y->size ? -1 : x->size < y->size;
}

static const struct column leak_columns[] = {
    { "chunk_bytes", "chunk size", VAL_BYTES, 0, IN_BOTH },
    { "count", "chunks", VAL_COUNT, 0, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "sample_addresses", "first chunks", VAL_ADDRESSES, 1, IN_BOTH },
};

static void glibc_leaks_command(const char *args, int from_tty)
{
    (void)from_tty;
    OWNER_COMMAND c;
    RESULT(r);
    struct leak_sizes t __attribute__((cleanup(free_leak_sizes))) = { 0 };
    struct parsed_options peek;
    /* --min-size is known before the walk: the table counts only those */
    if (!command_options(&leaks_def, args, &peek))
        return;
    t.min_size = opt_number(&peek, "--min-size", 0);
    if (!owner_command_run(&c, &leaks_def, args, leak_seen, &t))
        return;
    if (t.oom)
        ngxmem_error("glibc-leaks: out of memory");
    struct output_options o = output_options(&c.glibc.opts);
    uint64_t limit = opt_number(&c.glibc.opts, "--limit", o.json ? 0 : 20);
    size_t n = 0;
    for (size_t i = 0; i < t.cap; i++)
        if (t.v[i].size)
            t.v[n++] = t.v[i];
    qsort(t.v, n, sizeof *t.v, by_leaked_bytes);

    result_init(&r, "glibc-leaks");
    glibc_session_describe(&c.glibc, &r);
    owners_describe(&r, &c.owners);
    result_facts(&r, NULL, NULL);
    result_fact(&r, "leaked_count", "leaked chunks", val_count(t.count),
                "in use, and no word of any root or reached chunk points into them");
    uint64_t used = c.owners.ix.used_bytes;
    result_fact(&r, "leaked_bytes", "leaked bytes", val_bytes(t.bytes),
                "%.1f%% of the heap in use", used ? 100.0 * (double)t.bytes / (double)used : 0.0);
    result_fact(&r, "in_use_bytes", "heap in use", val_bytes(c.owners.ix.used_bytes),
                "%llu chunks, heap and mmapped", (unsigned long long)c.owners.ix.used_chunks);
    result_fact(&r, "min_size_bytes", "counted from", val_bytes(t.min_size), NULL);
    result_fact(&r, "roots", "roots",
                val_id(c.owners.nginx ? "nginx" : "process"),
                "%s", c.owners.nginx
                          ? "nginx's configurations and pools, loaded objects' data, stacks, "
                            "registers, other anonymous memory"
                          : "loaded objects' data, stacks, registers, other anonymous memory");
    result_table(&r, "by_size", "Leaked chunks by size (biggest total first):", leak_columns,
                 ARRAY_LEN(leak_columns));
    size_t shown = limit && limit < n ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++) {
        struct leak_size *e = &t.v[i];
        struct value row[] = { val_bytes(e->size), val_count(e->count),
                               val_bytes(e->size * e->count),
                               val_addresses(&r, e->sample,
                                             e->count < LEAK_SAMPLES ? (int)e->count
                                                                     : LEAK_SAMPLES) };
        result_row(&r, row);
    }
    result_facts(&r, NULL, NULL);
    result_fact(&r, "size_count", "sizes", val_count(n), NULL);
    result_fact(&r, "shown_count", "shown", val_count(shown),
                shown < n ? "raise --limit for more, 0 for all" : NULL);
    result_fact(&r, "truncated", "truncated", val_bool(shown < n), NULL);
    command_emit(&r, &o);
}

/* ---- glibc-chunk-refs ------------------------------------------------- */

enum { REFS_DEPTH_MAX = 64, REFS_KEPT = 64 };

/* The references to one chunk found in a scan. */
struct ref_list {
    const struct owner_graph *g;
    struct { uint64_t at; int64_t chunk; int cls; } v[REFS_KEPT];
    size_t n;
    uint64_t total;
};

static void ref_found(void *arg, uint64_t at, int64_t chunk, int cls)
{
    struct ref_list *l = arg;
    l->total++;
    if (l->n < REFS_KEPT) {
        l->v[l->n].at = at;
        l->v[l->n].chunk = chunk;
        l->v[l->n].cls = cls;
        l->n++;
    }
}

static bool is_container(const struct owner_graph *g, uint64_t i)
{
    return (g->container[i / 64] >> (i % 64)) & 1;
}

/* A step's class: the chunk's row's, or the root range's. */
static int ref_class(const struct owner_graph *g, int64_t chunk, int cls)
{
    if (chunk < 0)
        return cls;
    uint8_t lab = g->label[chunk];
    return lab ? g->rows[lab].cls : -1;
}

static const struct column step_columns[] = {
    { "step", "step", VAL_INT, 0, IN_BOTH },
    { "word_address", "word at", VAL_ADDRESS, 0, IN_BOTH },
    { "chunk", "in chunk", VAL_ADDRESS, 0, IN_BOTH },
    { "chunk_bytes", "size", VAL_BYTES, 2, IN_BOTH },
    { "offset_bytes", "offset", VAL_COUNT, 3, IN_BOTH },
    { "owner", "owner", VAL_ID, 0, IN_BOTH },
    { "module", "module", VAL_INFERIOR, 1, IN_BOTH },
    { "level", "level", VAL_TEXT, 5, IN_BOTH },
    { "type", "type", VAL_ID, 4, IN_BOTH },
    { "root", "root", VAL_BOOL, 0, IN_BOTH },
};

/* The owner, module, level and type values of class CLS and row LAB (0:
 * none). */
static void owner_values(struct result *r, const struct owner_graph *g, int cls, uint8_t lab,
                         struct value *owner, struct value *module, struct value *level,
                         struct value *type)
{
    *owner = *module = *level = *type = val_none();
    if (cls < 0)
        return;
    const struct owner_class *c = &g->classes[cls];
    *owner = strcmp(c->owner, "anonymous_memory") == 0 ? val_id("unattributed")
                                                       : val_id(c->owner);
    if (c->module[0]) {
        struct inferior_text t;
        inferior_text_set(&t, c->module, strlen(c->module));
        *module = val_inferior(r, &t);
    }
    if (c->level[0])
        *level = val_text(r, "%s", c->level);
    if (lab && g->rows[lab].type)
        *type = val_id(owner_type_ids[g->rows[lab].type]);
}

/* One step of the way: the word at AT (in CHUNK, -1: a root's memory, of
 * class CLS); CONF_CLS >= 0: the word is that configuration's (in pool
 * memory), not its chunk's. */
static void step_row(struct result *r, const struct owner_graph *g, int step, uint64_t at,
                     int64_t chunk, int cls, bool root, int conf_cls)
{
    uint64_t start = 0, size = 0;
    uint8_t lab = 0;
    if (chunk >= 0) {
        heap_index_chunk(g->ix, (uint64_t)chunk, &start, &size);
        lab = conf_cls >= 0 ? 0 : g->label[chunk];
    }
    struct value owner, module, level, type;
    owner_values(r, g, conf_cls >= 0 ? conf_cls : ref_class(g, chunk, cls), lab, &owner, &module,
                 &level, &type);
    struct value row[] = {
        val_int(step), val_address(at), chunk >= 0 ? val_address(start) : val_none(),
        chunk >= 0 ? val_bytes(size) : val_none(),
        chunk >= 0 ? val_count(at - start - 16) : val_none(), owner, module, level, type,
        val_bool(root),
    };
    result_row(r, row);
}

/* The reference to follow from L: a root's memory first (the way ends),
 * then a chunk not yet on the way, of the class that owns the target
 * (the owner's own way back), else any. -1: none left. */
static int pick_ref(const struct ref_list *l, int want_cls, const uint64_t *path, int depth)
{
    int any = -1, same = -1;
    for (size_t k = 0; k < l->n; k++) {
        const struct owner_graph *g = l->g;
        if (l->v[k].chunk < 0 || is_container(g, (uint64_t)l->v[k].chunk))
            return (int)k;
        bool on_path = false;
        for (int d = 0; d <= depth && !on_path; d++)
            on_path = path[d] == (uint64_t)l->v[k].chunk;
        if (on_path)
            continue;
        if (any < 0)
            any = (int)k;
        if (same < 0 && ref_class(g, l->v[k].chunk, l->v[k].cls) == want_cls)
            same = (int)k;
    }
    return same >= 0 ? same : any;
}

static uint64_t refs_target(const char *word)
{
    uint64_t addr;
    char why[160];
    if (args_parse_uint(word, UINT64_MAX, &addr))
        return addr;
    if (!address_expression_safe(word, why, sizeof why))
        ngxmem_error("glibc-chunk-refs: %s: %s", word, why);
    return ngxmem_eval_address(word);
}

static void glibc_chunk_refs_command(const char *args, int from_tty)
{
    (void)from_tty;
    static const char cmd[] = "glibc-chunk-refs";
    OWNER_COMMAND c;
    RESULT(r);
    char err[512];
    if (!owner_command_run(&c, &refs_def, args, NULL, NULL))
        return;
    struct output_options o = output_options(&c.glibc.opts);
    uint64_t target = refs_target(opt_positional(&c.glibc.opts, 0));
    int depth_max = (int)opt_number(&c.glibc.opts, "--depth", 16);
    uint64_t limit = opt_number(&c.glibc.opts, "--limit", o.json ? 0 : 16);
    struct owner_graph *g = &c.owners.graph;
    uint64_t start, size;
    int64_t i = heap_index_find(g->ix, target, &start, &size);
    if (i < 0)
        ngxmem_error("%s: 0x%llx is in no heap segment or mmapped chunk", cmd,
                     (unsigned long long)target);
    if (!heap_index_in_use(g->ix, (uint64_t)i))
        ngxmem_error("%s: 0x%llx is in a free chunk (0x%llx, %llu bytes)", cmd,
                     (unsigned long long)target, (unsigned long long)start,
                     (unsigned long long)size);

    result_init(&r, cmd);
    glibc_session_describe(&c.glibc, &r);
    owners_describe(&r, &c.owners);
    uint8_t lab = g->label[i];
    struct value owner, module, level, type;
    owner_values(&r, g, lab ? g->rows[lab].cls : -1, lab, &owner, &module, &level, &type);
    result_facts(&r, "chunk", NULL);
    result_fact(&r, "address", "chunk", val_address(start), NULL);
    result_fact(&r, "chunk_bytes", "size", val_bytes(size), NULL);
    result_fact(&r, "owner", "owner", lab ? owner : val_id("leaked"), NULL);
    result_fact(&r, "module", "module", module, NULL);
    result_fact(&r, "level", "level", level, NULL);
    result_fact(&r, "type", "type", type, NULL);

    /* what points at it directly */
    struct ref_list l = { .g = g };
    if (!owner_graph_refs(g, start + 16, start + size, ref_found, &l, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    result_table(&r, "referrers", "What points into it:", step_columns, ARRAY_LEN(step_columns));
    for (size_t k = 0; k < l.n && (!limit || k < limit); k++)
        step_row(&r, g, 1, l.v[k].at, l.v[k].chunk, l.v[k].cls,
                 l.v[k].chunk < 0 || is_container(g, (uint64_t)l.v[k].chunk), -1);
    result_facts(&r, NULL, NULL);
    result_fact(&r, "referrer_count", "words pointing into it", val_count(l.total), NULL);
    bool in_registers = false;
    for (int k = 0; k < c.owners.nregs; k++)
        in_registers |= c.owners.regs[k] >= start + 16 && c.owners.regs[k] < start + size;
    result_fact(&r, "in_registers", "in a register", val_bool(in_registers), NULL);

    /* one way back to a root, a scan a step */
    uint64_t path[REFS_DEPTH_MAX + 1] = { (uint64_t)i };
    int want = lab ? g->rows[lab].cls : -1;
    const char *end = l.total ? "depth" : in_registers ? "registers" : "nothing";
    result_table(&r, "path", "One way back to a root (each step: what points at the one before):",
                 step_columns, ARRAY_LEN(step_columns));
    for (int d = 0; d < depth_max && l.n; d++) {
        int k = pick_ref(&l, want, path, d);
        if (k < 0) {
            end = "ring";
            break;
        }
        bool root = l.v[k].chunk < 0 || is_container(g, (uint64_t)l.v[k].chunk);
        /* pool memory: the configuration it belongs to, when one does */
        uint64_t conf, word;
        int cls = root && l.v[k].chunk >= 0
                      ? owner_roots_conf_of(g, &c.owners.in, l.v[k].at, &conf, &word) : -1;
        step_row(&r, g, d + 1, l.v[k].at, l.v[k].chunk, l.v[k].cls, root && cls < 0, -1);
        if (cls >= 0) {
            uint64_t at_start;
            step_row(&r, g, d + 2, word, heap_index_find(g->ix, word, &at_start, NULL), -1, true,
                     cls);
        }
        if (root) {
            end = "root";
            break;
        }
        path[d + 1] = (uint64_t)l.v[k].chunk;
        heap_index_chunk(g->ix, path[d + 1], &start, &size);
        l = (struct ref_list){ .g = g };
        if (!owner_graph_refs(g, start + 16, start + size, ref_found, &l, err, sizeof err))
            ngxmem_error("%s: %s", cmd, err);
        if (!l.n)
            end = "nothing";
    }
    result_facts(&r, NULL, NULL);
    result_fact(&r, "ends", "the way ends", val_id(end),
                "%s", strcmp(end, "root") == 0 ? "at a root: its owner holds the chunk"
                      : strcmp(end, "ring") == 0 ? "in a ring: chunks that only point at each other"
                      : strcmp(end, "registers") == 0 ? "a register holds it"
                      : strcmp(end, "nothing") == 0 ? "nothing points there: leaked"
                                                    : "raise --depth for more steps");
    command_emit(&r, &o);
}

static const struct option_def leaks_options[] = {
    { "--min-size", OPT_SIZE, "N", 0, 0 },
    { "--limit", OPT_NUMBER, "N", 0, 0 },
};

static const struct command_def leaks_def = {
    "glibc-leaks", "Show in-use heap chunks that nothing points to (leaked), by size.", NULL, 0,
    0, leaks_options, ARRAY_LEN(leaks_options), COMMON_OUTPUT,
    "Every in-use chunk (every arena and the mmapped chunks) reached by no root is\n"
    "leaked: conservatively, any aligned word equal to an address inside an in-use\n"
    "chunk holds it, from the roots: loaded objects' data and bss, thread stacks\n"
    "above their stack pointers, the registers, other anonymous memory, and in\n"
    "nginx its configurations and pools (blocks up to their last allocation) and\n"
    "the Lua VM, as ngx-report. A chunk only a ring of leaked chunks points to is\n"
    "leaked too. By exact chunk size, biggest total first, with the first chunks\n"
    "of each size (for glibc-chunk-refs or x/8gx). --min-size counts only chunks\n"
    "of at least N bytes; text shows 20 sizes unless --limit says (0: all).\n"
    "A word that looks like a pointer holds what it points to: a leak can hide,\n"
    "nothing reachable is ever called leaked.\n",
    "Example: glibc-leaks --min-size 1K",
};

static const struct option_def refs_options[] = {
    { "--depth", OPT_NUMBER, "N", REFS_DEPTH_MAX, 0 },
    { "--limit", OPT_NUMBER, "N", 0, 0 },
};

static const struct command_def refs_def = {
    "glibc-chunk-refs", "Show what points at a heap chunk, back to a root.", "ADDR", 1, 1,
    refs_options, ARRAY_LEN(refs_options), COMMON_OUTPUT,
    "ADDR: any address inside an in-use chunk (a number, or an address expression\n"
    "without calls or assignments). Its owner (as ngx-report's owner table names\n"
    "it), every word pointing into it (text: the first 16 unless --limit says),\n"
    "then one way back to a root: each step the word that points at the chunk of\n"
    "the step before, preferring the owner's own memory, until a root (a loaded\n"
    "object's data, a stack, a pool's memory, a module's configuration), a ring\n"
    "of chunks that only point at each other, nothing (leaked) or --depth steps\n"
    "(16; at most 64). Each step reads the heap in use once.\n",
    "Example: glibc-chunk-refs 0x55d0c8a3f2a0",
};

void heap_owner_commands_register(void)
{
    command_register(&leaks_def, glibc_leaks_command);
    command_register(&refs_def, glibc_chunk_refs_command);
}
