#include "owners_session.h"

#include "core_file.h"
#include "grow_array.h"
#include "pool_claims.h"
#include "ngxmem.h"
#include "target_identity.h"
#include "target_maps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void index_chunk(void *arg, const struct glibc_chunk *c)
{
    heap_index_add(arg, c->addr, c->size, c->cls == CH_IN_USE);
}

static void read_maps(struct owners_session *o, const char *cmd)
{
    char why[256], core[4096];
    pid_t pid = target_traced_pid();
    uint64_t missing;
    bool truncated;
    bool ok = pid ? smaps_read(pid, &o->own_maps, why, sizeof why)
                  : target_open_core(core, sizeof core) &&
                        target_maps_core(core, &o->own_maps, &missing, &truncated, why, sizeof why);
    if (!ok)
        ngxmem_error("%s: the process's mappings: %s", cmd, pid ? why : "no process or core");
    o->smaps = &o->own_maps;
}

void owners_begin(struct owners_session *o, struct glibc_session *s,
                  const struct nginx_state *st, const struct smaps *smaps,
                  struct chunk_fanout *fan, const char *cmd)
{
    char err[512];
    struct glibc_heap *h = &s->heap;
    o->smaps = smaps;
    if (!smaps)
        read_maps(o, cmd);
    o->maps = calloc(o->smaps->n + 1, sizeof *o->maps);
    if (!o->maps)
        ngxmem_error("%s: out of memory", cmd);
    target_maps_view(o->smaps, o->maps);
    o->view = (struct mem_mappings){ o->maps, o->smaps->n };
    if (!glibc_mmapped_find(&s->reader, h, &o->view, st ? st->pagesize : 4096, &o->mmapped, err,
                            sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    for (int i = 0; i < h->nsegments; i++)
        heap_index_region(&o->ix, h->segments[i].start, h->segments[i].end);
    for (size_t i = 0; i < o->mmapped.n; i++)
        heap_index_region(&o->ix, o->mmapped.addr[i], o->mmapped.addr[i] + o->mmapped.size[i]);
    if (!heap_index_begin(&o->ix))
        ngxmem_error("%s: out of memory for the chunk index", cmd);
    chunk_fanout_add(fan, index_chunk, &o->ix);
    if (!st)
        return;
    o->confs = calloc(1, sizeof *o->confs);
    if (!o->confs)
        ngxmem_error("%s: out of memory", cmd);
    if (nginx_modules_read(&s->reader, st, o->confs, err, sizeof err) && o->confs->http_main_conf) {
        o->ctxs.heap = h;
        o->ctxs.main_conf = o->confs->http_main_conf;
        chunk_fanout_add(fan, http_ctx_finder_chunk, &o->ctxs);
    }
}

void owners_mmapped_chunks(const struct owners_session *o, glibc_chunk_fn fn, void *arg)
{
    for (size_t i = 0; i < o->mmapped.n; i++) {
        struct glibc_chunk c = { o->mmapped.addr[i], o->mmapped.size[i], CH_IN_USE, -1, -1 };
        fn(arg, &c);
    }
}

/* A listed claim: a pool's chunk becomes a container of its kind. */
static void pool_claimed(void *arg, uint64_t start, uint64_t end, int owner)
{
    (void)end;
    struct owners_session *o = arg;
    enum pool_kind kind;
    bool large;
    if (!pool_claims_tag(&o->claims->owners[owner], &kind, &large))
        return;
    if (!grow_array(&o->pools, &o->pools_cap, o->npools, sizeof *o->pools, 1024)) {
        o->pools_oom = true;
        return;
    }
    o->pools[o->npools++] = (struct pool_container){ start, (uint8_t)kind, large };
}

/* ---- the graph's labels as claims ---------------------------------- */

/* How each row shows: pool blocks as their pool's kind (C, O, o and its
 * RSS part), SSL_CTX as S, the rest of module configurations' memory as
 * M; other owners are plain in use. */
static int row_claim_owner(struct owners_session *o, const struct owner_row *row)
{
    const struct owner_class *c = &o->graph.classes[row->cls];
    if (row->type == OT_POOL_BLOCKS)
        for (int k = 0; k < PK_COUNT; k++)
            if (strcmp(c->owner, pool_kind_names[k]) == 0)
                return heap_claims_owner(o->claims, pool_claims_map_char((enum pool_kind)k),
                                         pool_claims_part((enum pool_kind)k), OWNERS_CLAIM_TAG);
    if (row->type == OT_SSL_CTX)
        return heap_claims_owner(o->claims, 'S', CLAIM_PART_NONE, OWNERS_CLAIM_TAG);
    if (strcmp(c->owner, "module_conf") == 0)
        return heap_claims_owner(o->claims, 'M', CLAIM_PART_NONE, OWNERS_CLAIM_TAG);
    return heap_claims_owner(o->claims, 0, CLAIM_PART_NONE, OWNERS_CLAIM_TAG);
}

struct claim_run {
    const struct owners_session *o;
    claim_fn fn;
    void *arg;
    uint64_t start, end;
    int owner;
};

static void run_flush(struct claim_run *r)
{
    if (r->end > r->start && r->owner >= 0)
        r->fn(r->arg, r->start, r->end, r->owner);
    r->start = r->end = 0;
}

static void label_chunk(void *arg, uint64_t i, uint64_t start, uint64_t size)
{
    struct claim_run *r = arg;
    const struct owners_session *o = r->o;
    if (!heap_index_in_use(&o->ix, i)) {
        run_flush(r);
        return;
    }
    uint8_t lab = o->graph.label[i];
    int owner = lab ? o->row_claim[lab] : o->leaked_claim;
    if (start != r->end || owner != r->owner) {
        run_flush(r);
        r->start = start;
        r->owner = owner;
    }
    r->end = start + size;
}

/* A claim_source_fn: runs of neighbouring in-use chunks with one owner. */
static void graph_claims(const void *src, claim_fn fn, void *arg)
{
    struct claim_run r = { src, fn, arg, 0, 0, -1 };
    heap_index_each(&r.o->ix, label_chunk, &r);
    run_flush(&r);
}

static void claim_labels(struct owners_session *o)
{
    for (int k = 1; k < o->graph.nrows; k++)
        o->row_claim[k] = row_claim_owner(o, &o->graph.rows[k]);
    o->leaked_claim = heap_claims_owner(o->claims, 'L', CLAIM_PART_NONE, OWNERS_CLAIM_TAG);
    heap_claims_attach(o->claims, graph_claims, o);
}

/* The current thread's general registers, as GDB has them. */
static int current_registers(uint64_t *out, int max)
{
    static const char *const names[] = {
        "$rax", "$rbx", "$rcx", "$rdx", "$rsi", "$rdi", "$rbp", "$rsp", "$r8", "$r9",
        "$r10", "$r11", "$r12", "$r13", "$r14", "$r15", "$rip",
    };
    int n = 0;
    char err[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0] && n < max; i++)
        if (ngxmem_try_eval_address(names[i], &out[n], err, sizeof err) == 0)
            n++;
    return n;
}

static void libssl_ranges(struct owners_session *o, struct owner_typing *t)
{
    for (size_t i = 0; i < o->view.n && t->nlibssl < TYPING_RANGES_MAX; i++) {
        const char *p = strrchr(o->maps[i].path, '/');
        if (o->maps[i].file && p && strncmp(p + 1, "libssl.so", 9) == 0) {
            /* OpenSSL 1.x put the method first, 3 puts its library context first */
            t->ssl_method_at = strncmp(p + 1, "libssl.so.1", 11) == 0 ? 0 : 8;
            t->libssl[t->nlibssl].start = o->maps[i].start;
            t->libssl[t->nlibssl++].end = o->maps[i].end;
        }
    }
}

static int direct_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct owners_session *o = ctx;
    return mem_read(&o->direct, addr, buf, len);
}

static bool batched_read(void *ctx, struct mem_span *spans, size_t n)
{
    struct owners_session *o = ctx;
    mem_read_spans(o->via, spans, n);
    return true;
}

static bool forwarded_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct owners_session *o = ctx;
    return mem_progress(o->via, done, total);
}

static bool forwarded_concurrent(void *ctx, struct mem_reader *out)
{
    struct owners_session *o = ctx;
    return mem_concurrent_reader(o->via, out);
}

/* What the graph reads through: the process itself for single reads when
 * GDB's reader allows another (a live process it alone traces), GDB's
 * reader for spans, symbols and progress, and its helper's reader. */
static const struct mem_reader *graph_reader(struct owners_session *o, const struct mem_reader *via)
{
    o->via = via;
    if (!mem_concurrent_reader(via, &o->direct))
        return via;
    o->reader = (struct mem_reader){ .read = direct_read, .symbol = NULL,
                                     .progress = forwarded_progress, .ctx = o,
                                     .read_spans = batched_read,
                                     .concurrent_reader = forwarded_concurrent };
    return &o->reader;
}

void owners_run(struct owners_session *o, struct glibc_session *s, const struct nginx_state *st,
                const struct nginx_lua_vm *vm, struct heap_claims *claims,
                const uint64_t *skip_start, const uint64_t *skip_end, int nskip,
                owner_leak_fn leak, void *leak_arg, const char *cmd)
{
    char err[512], core[4096];
    const struct mem_reader *rd = graph_reader(o, &s->reader);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    o->claims = claims;
    if (claims)
        heap_claims_each_listed(claims, pool_claimed, o);
    for (size_t i = 0; i < o->mmapped.n; i++)
        heap_index_add(&o->ix, o->mmapped.addr[i], o->mmapped.size[i], true);
    if (o->ctxs.main_conf)
        owners_mmapped_chunks(o, http_ctx_finder_chunk, &o->ctxs);
    if (!heap_index_finish(&o->ix) || o->pools_oom || o->ctxs.oom)
        ngxmem_error("%s: out of memory", cmd);
    if (st && o->confs &&
        !nginx_confs_collect(rd, st, o->ctxs.at, o->ctxs.n, o->confs, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    if (vm) {
        o->lua = calloc(1, sizeof *o->lua);
        if (o->lua && !nginx_lua_segments(&s->reader, vm, o->lua, err, sizeof err))
            o->lua->n = 0;
    }
    pid_t pid = target_traced_pid();
    o->nsp = pid ? proc_thread_sps(pid, o->sp, OWNERS_SP_MAX)
             : target_open_core(core, sizeof core)
                 ? core_file_stack_pointers(core, o->sp, OWNERS_SP_MAX) : 0;
    o->nregs = current_registers(o->regs, OWNERS_REGS_MAX);
    struct owner_typing t = { .tcache = s->heap.tcache_structs,
                              .ntcache = s->heap.ntcache_structs };
    libssl_ranges(o, &t);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    uint64_t prepared_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
                           (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
    if (!owner_graph_begin(&o->graph, rd, &o->ix, &t))
        ngxmem_error("%s: out of memory for the ownership graph", cmd);
    struct owner_inputs in = {
        .maps = &o->view, .pools = o->pools, .npools = o->npools,
        .confs = st ? o->confs : NULL, .lua = o->lua && o->lua->n ? o->lua : NULL,
        .sp = o->sp, .nsp = o->nsp, .registers = o->regs, .nregisters = o->nregs,
        .skip_start = skip_start, .skip_end = skip_end, .nskip = nskip,
    };
    /* ngx_cycle_t: ... connections, read_events, write_events, old_cycle */
    for (int k = 0; st && k < 3; k++)
        if (!mem_read_u64(rd, st->cycle + st->L->old_cycle - 24 + 8 * (uint64_t)k,
                          &in.connections[k]))
            in.connections[k] = 0;
    o->in = in;
    if (!owner_roots_run(&o->graph, &in, leak, leak_arg, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    if (getenv("NGXMEM_DEBUG_IO")) {
        const struct owner_graph *g = &o->graph;
        ngxmem_eprintf("%s: ownership: %llu ms for the index and the configurations;", cmd,
                       (unsigned long long)(prepared_ns / 1000000));
        for (int k = 0; k < g->nsteps; k++)
            ngxmem_eprintf(" %s %llu ms", g->step_names[k],
                           (unsigned long long)(g->step_ns[k] / 1000000));
        ngxmem_eprintf("; %llu sweeps; %llu MiB of roots, %llu MiB of chunks read\n",
                       (unsigned long long)g->rounds, (unsigned long long)(g->root_bytes >> 20),
                       (unsigned long long)(g->scanned_bytes >> 20));
    }
    o->ran = true;
    if (claims)
        claim_labels(o);
}

void owners_begin_process(struct owners_session *o, struct glibc_session *s,
                          struct chunk_fanout *fan, const char *cmd)
{
    char err[512];
    struct owners_nginx *n = calloc(1, sizeof *n);
    if (!n)
        ngxmem_error("%s: out of memory", cmd);
    o->nginx = n;
    if (nginx_state_find(&s->reader, &n->st, err, sizeof err)) {
        n->cycles = calloc(MAX_OLD_CYCLES + 2, sizeof *n->cycles);
        if (!n->cycles)
            ngxmem_error("%s: out of memory", cmd);
        n->ncycles = nginx_cycle_pool_addresses(&s->heap.headers, &n->st, n->cycles,
                                                MAX_OLD_CYCLES + 2, err, sizeof err);
    } else {
        n->ncycles = -1;
    }
    if (n->ncycles < 0) {
        /* not nginx, or nginx without its cycle: a process like any other */
        free(n);
        o->nginx = NULL;
        owners_begin(o, s, NULL, NULL, fan, cmd);
        return;
    }
    pool_census_begin(&n->census, &s->heap, &n->st);
    chunk_fanout_add(fan, pool_census_chunk, &n->census);
    owners_begin(o, s, &n->st, NULL, fan, cmd);
}

void owners_run_process(struct owners_session *o, struct glibc_session *s, owner_leak_fn leak,
                        void *leak_arg, const char *cmd)
{
    char err[512];
    struct owners_nginx *n = o->nginx;
    if (!n) {
        owners_run(o, s, NULL, NULL, NULL, NULL, NULL, 0, leak, leak_arg, cmd);
        return;
    }
    struct pool_claims pc = { &n->claims };
    owners_mmapped_chunks(o, pool_census_chunk, &n->census);
    pool_census_follow(&n->census, pool_claims_chunk, &pc);
    if (!pool_census_finish(&n->census, n->cycles, n->ncycles, &n->totals, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    if (n->claims.oom)
        ngxmem_error("%s: out of memory", cmd);
    struct nginx_lua_vm vm;
    bool lua = nginx_lua_vm(&s->reader, &n->st, &vm, err, sizeof err);
    owners_run(o, s, &n->st, lua ? &vm : NULL, &n->claims, NULL, NULL, 0, leak, leak_arg, cmd);
}

void owners_release(struct owners_session *o)
{
    if (o->nginx) {
        pool_census_release(&o->nginx->census);
        heap_claims_release(&o->nginx->claims);
        free(o->nginx->cycles);
        free(o->nginx);
    }
    owner_graph_release(&o->graph);
    heap_index_free(&o->ix);
    glibc_mmapped_free(&o->mmapped);
    http_ctx_finder_release(&o->ctxs);
    if (o->confs)
        nginx_confs_release(o->confs);
    free(o->confs);
    free(o->lua);
    free(o->pools);
    free(o->maps);
    smaps_release(&o->own_maps);
    memset(o, 0, sizeof *o);
}

static const struct column owner_columns[] = {
    { "owner", "owner", VAL_ID, 0, IN_BOTH },
    { "module", "module", VAL_INFERIOR, 0, IN_BOTH },
    { "level", "level", VAL_TEXT, 4, IN_BOTH },
    { "type", "type", VAL_ID, 1, IN_BOTH },
    { "object_count", "objects", VAL_COUNT, 5, IN_BOTH },
    { "chunk_count", "chunks", VAL_COUNT, 2, IN_BOTH },
    { "bytes", "bytes", VAL_BYTES, 0, IN_BOTH },
    { "retained_bytes", "retained", VAL_BYTES, 3, IN_BOTH },
    { "in_use_percent", "% in use", VAL_PERCENT, 0, IN_BOTH },
};

static bool unattributed(const struct owner_graph *g, const struct owner_row *row)
{
    return strcmp(g->classes[row->cls].owner, "anonymous_memory") == 0;
}

uint64_t owners_named_bytes(const struct owners_session *o)
{
    uint64_t named = o->graph.leaked_bytes;
    for (int r = 1; r < o->graph.nrows; r++)
        if (!unattributed(&o->graph, &o->graph.rows[r]))
            named += o->graph.rows[r].bytes;
    return named;
}

static int by_bytes(const void *a, const void *b)
{
    const struct owner_row *x = *(const struct owner_row *const *)a;
    const struct owner_row *y = *(const struct owner_row *const *)b;
    return x->bytes > y->bytes ? -1 : x->bytes < y->bytes;
}

void owners_table(struct result *r, const struct owners_session *o)
{
    const struct owner_graph *g = &o->graph;
    uint64_t total = o->ix.used_bytes, other = 0, other_chunks = 0, other_retained = 0;
    const struct owner_row *rows[OWNER_LABELS_MAX + 1];
    int n = 0;
    for (int k = 1; k < g->nrows; k++)
        if (g->rows[k].bytes) {
            if (unattributed(g, &g->rows[k])) {
                other += g->rows[k].bytes;
                other_chunks += g->rows[k].chunks;
                other_retained += g->rows[k].retained;
            } else {
                rows[n++] = &g->rows[k];
            }
        }
    qsort(rows, (size_t)n, sizeof *rows, by_bytes);
    result_table(r, "heap_owners", "The heap in use, by owner (reachability; first owner in "
                 "the order of help ngx-report):", owner_columns, ARRAY_LEN(owner_columns));
    result_chart(r, CHART_BARS, 0, 5, 0);
    for (int k = 0; k < n; k++) {
        const struct owner_class *c = &g->classes[rows[k]->cls];
        /* a module's or a file's name: from the process, escaped as its text */
        struct inferior_text module;
        inferior_text_set(&module, c->module, strlen(c->module));
        struct value row[] = {
            val_id(c->owner), c->module[0] ? val_inferior(r, &module) : val_none(),
            c->level[0] ? val_text(r, "%s", c->level) : val_none(),
            rows[k]->type ? val_id(owner_type_ids[rows[k]->type]) : val_none(),
            /* containers are owned whole: no objects of their own to count */
            rows[k]->type && rows[k]->type != OT_POOL_BLOCKS && rows[k]->type != OT_CONNECTIONS
                ? val_count(rows[k]->objects) : val_none(),
            val_count(rows[k]->chunks), val_bytes(rows[k]->bytes), val_bytes(rows[k]->retained),
            val_percent(rows[k]->bytes, total),
        };
        result_row(r, row);
    }
    struct value leaked[] = { val_id("leaked"), val_none(), val_none(), val_none(), val_none(),
                              val_count(g->leaked_chunks), val_bytes(g->leaked_bytes),
                              val_bytes(g->leaked_bytes), val_percent(g->leaked_bytes, total) };
    result_row(r, leaked);
    struct value unnamed[] = { val_id("unattributed"), val_none(), val_none(), val_none(),
                               val_none(),
                               val_count(other_chunks), val_bytes(other), val_bytes(other_retained),
                               val_percent(other, total) };
    result_row(r, unnamed);
    struct value sum[] = { val_id("total"), val_none(), val_none(), val_none(), val_none(),
                           val_count(o->ix.used_chunks), val_bytes(total), val_none(),
                           val_percent(total, total) };
    result_total(r, sum);
}

void owners_describe(struct result *r, const struct owners_session *o)
{
    const struct owner_graph *g = &o->graph;
    result_facts(r, "ownership", "How the heap's owners were found:")->verbose = true;
    result_fact(r, "module_count", "nginx modules", val_count(o->confs ? (uint64_t)o->confs->nmods : 0),
                NULL);
    result_fact(r, "configuration_count", "configurations", val_count(o->confs ? o->confs->n : 0),
                "main, server and location confs of every module");
    result_fact(r, "context_count", "http contexts", val_count(o->confs ? o->confs->contexts : 0),
                "servers and locations, found by their main_conf");
    result_fact(r, "mmapped_chunk_count", "mmapped chunks", val_count(o->mmapped.n),
                "%s", o->mmapped.matches_mp ? "as many as mp_ counts" : "mp_ counts otherwise");
    uint64_t mmapped = 0;
    for (size_t i = 0; i < o->mmapped.n; i++)
        mmapped += o->mmapped.size[i];
    result_fact(r, "mmapped_bytes", "mmapped chunk bytes", val_bytes(mmapped),
                "in the owner table with the heap's chunks");
    result_fact(r, "root_bytes", "roots read", val_bytes(g->root_bytes), NULL);
    result_fact(r, "scanned_bytes", "chunks read", val_bytes(g->scanned_bytes), NULL);
    result_fact(r, "unread_bytes", "unreadable", val_bytes(g->unread_root_bytes),
                "%llu chunks", (unsigned long long)g->unread_chunks);
}

const struct owner_row *owners_biggest_typed(const struct owners_session *o, enum owner_type type,
                                             const struct owner_class **cls)
{
    const struct owner_graph *g = &o->graph;
    const struct owner_row *best = NULL;
    for (int k = 1; o->ran && k < g->nrows; k++)
        if (g->rows[k].type == type && strcmp(g->classes[g->rows[k].cls].owner, "module_conf") == 0 &&
            (!best || g->rows[k].bytes > best->bytes))
            best = &g->rows[k];
    if (best)
        *cls = &g->classes[best->cls];
    return best;
}

const struct owner_row *owners_biggest(const struct owners_session *o)
{
    const struct owner_graph *g = &o->graph;
    const struct owner_row *best = NULL;
    for (int k = 1; o->ran && k < g->nrows; k++)
        if (!unattributed(g, &g->rows[k]) && (!best || g->rows[k].bytes > best->bytes))
            best = &g->rows[k];
    return best;
}

const char *owner_words(const char *owner)
{
    static const struct { const char *id, *words; } w[] = {
        { "module_conf", "the configurations of" }, { "connections", "nginx's connections" },
        { "cycle", "the cycle pool" },
        { "old_cycle", "old cycles' pools" }, { "connection", "connection pools" },
        { "request", "request pools" }, { "other_16k", "other pools of 16 KiB" },
        { "other", "other pools" }, { "lua_vm", "the Lua VM" },
        { "object_data", "the data of" }, { "stack", "thread stacks" },
        { "registers", "registers" },
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strcmp(w[i].id, owner) == 0)
            return w[i].words;
    return owner;
}
