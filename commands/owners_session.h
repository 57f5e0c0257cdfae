/* Who owns the heap, in a command: what ownership needs before the walk
 * (the target's mappings, glibc's mmapped chunks, the chunk index and the
 * consumers the walk feeds it through), the pool chunks the census finds,
 * and the reachability run after the walk, with what GDB and the kernel
 * say of threads (stack pointers, the current thread's registers). */
#ifndef NGXMEM_OWNERS_SESSION_H
#define NGXMEM_OWNERS_SESSION_H

#include "glibc_mmapped.h"
#include "glibc_session.h"
#include "heap_claims.h"
#include "heap_index.h"
#include "nginx_confs.h"
#include "nginx_cycles.h"
#include "nginx_lua.h"
#include "nginx_pool_census.h"
#include "owner_graph.h"
#include "owner_roots.h"
#include "proc_smaps.h"
#include "result.h"

enum { OWNERS_SP_MAX = 256, OWNERS_REGS_MAX = 24 };

struct owners_session {
    struct smaps own_maps;       /* read here when the caller has none */
    const struct smaps *smaps;
    struct mem_mapping *maps;
    struct mem_mappings view;
    struct glibc_mmapped mmapped;
    struct heap_index ix;
    struct http_ctx_finder ctxs;
    struct nginx_confs *confs;   /* NULL: not nginx */
    struct pool_container *pools;
    size_t npools, pools_cap;
    bool pools_oom;
    struct lua_segments *lua;
    struct owner_graph graph;
    uint64_t sp[OWNERS_SP_MAX], regs[OWNERS_REGS_MAX];
    int nsp, nregs;
    /* reads: straight from the process where that is allowed (its spans
     * batched by GDB's reader), else GDB's */
    const struct mem_reader *via;
    struct mem_reader direct, reader;
    bool ran;
    /* the graph's labels as claims */
    struct heap_claims *claims;
    int row_claim[OWNER_LABELS_MAX + 1], leaked_claim;
    struct owners_nginx *nginx;  /* owners_begin_process found nginx */
    struct owner_inputs in;      /* what the run was given */
};

/* What a command that may look at any process adds (owners_begin_process):
 * in nginx, its pools by a census in the walk and its configurations. */
struct owners_nginx {
    struct nginx_state st;
    struct pool_census_walk census;
    struct pool_census totals;
    struct heap_claims claims;
    struct named_pool *cycles;
    int ncycles;
};

/* The tag of the claim owners the graph makes. */
enum { OWNERS_CLAIM_TAG = 0x2000 };

/* Before the walk of S's heap (open): ST is nginx (NULL: none), SMAPS the
 * target's mappings when the caller read them (NULL: read here), FAN the
 * walk's consumers, to which the chunk index (and the finder of http
 * contexts) is added. A GDB error when the mappings cannot be read. */
void owners_begin(struct owners_session *o, struct glibc_session *s,
                  const struct nginx_state *st, const struct smaps *smaps,
                  struct chunk_fanout *fan, const char *cmd);

/* Each mmapped chunk (owners_begin found them) as an in-use chunk to FN:
 * a pool's first block may be one (the pool census looks for them). */
void owners_mmapped_chunks(const struct owners_session *o, glibc_chunk_fn fn, void *arg);

/* After the walk: every class's roots followed. VM: the Lua VM (NULL:
 * none); CLAIMS (or NULL): the pools' chunks claimed by the census
 * (pool_claims) become containers of their kind, and then the graph
 * claims every chunk (attached as CLAIMS' source: pool blocks as their
 * kinds, SSL_CTX 'S', other module configuration memory 'M', leaked 'L'
 * on the map: OWNERS_MAP_CHARS); SKIP: ranges never read (the shared
 * zones, SKIPN of them); LEAK gets each leaked chunk. A GDB error on
 * Ctrl-C or when memory runs out. */
void owners_run(struct owners_session *o, struct glibc_session *s, const struct nginx_state *st,
                const struct nginx_lua_vm *vm, struct heap_claims *claims,
                const uint64_t *skip_start, const uint64_t *skip_end, int nskip,
                owner_leak_fn leak, void *leak_arg, const char *cmd);

#define OWNERS_MAP_CHARS "COoSML"
#define OWNERS_MAP_LEGEND "C current cycle pool, O old cycle pool, o other nginx pools, " \
    "S OpenSSL SSL_CTX (and what it holds), M other memory of module configurations, " \
    "L leaked (reached by nothing)"

/* The whole of it for a command on any glibc process (glibc-leaks,
 * glibc-chunk-refs): before the walk of S's heap (FAN gets what the walk
 * must feed), then after it. In nginx (found as ngx-report finds it), its
 * pools, configurations and Lua VM are roots as in ngx-report; in any
 * other process, loaded objects, stacks, registers and anonymous memory. */
void owners_begin_process(struct owners_session *o, struct glibc_session *s,
                          struct chunk_fanout *fan, const char *cmd);
void owners_run_process(struct owners_session *o, struct glibc_session *s, owner_leak_fn leak,
                        void *leak_arg, const char *cmd);

void owners_release(struct owners_session *o);

/* The owner table "heap_owners" into R: a row per owner, module and type,
 * biggest first, then leaked and unattributed; shares of every in-use
 * chunk (heap and mmapped) the index counted. */
void owners_table(struct result *r, const struct owners_session *o);

/* How ownership was found (a --verbose block "ownership"): modules and
 * configurations, contexts, mmapped chunks, bytes read. */
void owners_describe(struct result *r, const struct owners_session *o);

/* The biggest row of TYPE held by a module's configurations, and its
 * class (module, level); NULL when there is none. */
const struct owner_row *owners_biggest_typed(const struct owners_session *o, enum owner_type type,
                                             const struct owner_class **cls);

/* The biggest named row; NULL when there is none. */
const struct owner_row *owners_biggest(const struct owners_session *o);
/* An owner identifier as words for a sentence ("the configurations of"). */
const char *owner_words(const char *owner);

/* The named share of the heap in use: all but the unattributed. */
uint64_t owners_named_bytes(const struct owners_session *o);

#endif
