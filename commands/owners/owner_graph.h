/* Who owns each chunk of a heap, by reachability: conservative (any
 * aligned word equal to an address inside an in-use chunk refers to it),
 * from roots in classes of a stated order. A chunk belongs to the first
 * class in that order whose roots reach it, under the type of the first
 * object on the way that says what it is (an OpenSSL SSL_CTX and all it
 * holds); what one class alone reaches is its retained memory; what no
 * root reaches is leaked. Containers (nginx pool blocks) are owned
 * outright and never followed: their memory is roots of its own.
 *
 * Classes may give roots in any order: a class earlier in the order takes
 * a chunk over from a later one (and all below it), and a chunk two
 * classes reach is shared. Memory is bounded by the heap's size in bits
 * and bytes, never by edges: a label byte and four bits a chunk. Chunks to
 * scan wait in a bitmap and are read in address order, a batch at a time
 * coalesced into few reads: one sweep reaches what lies ahead, a few more
 * what points back. No GDB: a mem_reader and a heap_index. */
#ifndef NGXMEM_OWNER_GRAPH_H
#define NGXMEM_OWNER_GRAPH_H

#include "heap_index.h"
#include "mem_reader.h"
#include "read_stream.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a chunk is, known by its content. */
enum owner_type {
    OT_NONE,
    OT_SSL_CTX,          /* OpenSSL 3 SSL_CTX: its method in libssl */
    OT_PCRE2_CODE,       /* PCRE2 compiled pattern: its magic number */
    OT_ZLIB_DEFLATE,     /* zlib deflate state: its stream points back */
    OT_ZLIB_INFLATE,
    OT_GLIBC_TCACHE,     /* glibc's per-thread cache */
    OT_POOL_BLOCKS,      /* an nginx pool's blocks and large allocations */
    OT_CONNECTIONS,      /* nginx's connections and events (cycle->connections...) */
    OT_COUNT
};
/* Identifiers (JSON "type"); text shows them as words. */
extern const char *const owner_type_ids[OT_COUNT];
/* What each is, for people ("OpenSSL SSL_CTX"). */
extern const char *const owner_type_names[OT_COUNT];

/* What type recognition needs of the process. */
enum { TYPING_RANGES_MAX = 16 };
struct owner_typing {
    struct { uint64_t start, end; } libssl[TYPING_RANGES_MAX];
    int nlibssl;
    int ssl_method_at;           /* SSL_CTX's method: 8 (OpenSSL 3: after libctx), 0 (1.1) */
    const uint64_t *tcache;      /* tcache_perthread_struct chunks' user addresses */
    int ntcache;
};

enum { OWNER_CLASSES_MAX = 240, OWNER_ID_MAX = 32, OWNER_MODULE_MAX = 96 };

struct owner_class {
    char owner[OWNER_ID_MAX];    /* an identifier: "module_conf", "cycle" */
    char module[OWNER_MODULE_MAX]; /* module or object name, "" if none */
    char level[16];              /* a module's: "main", "server", "location", "" */
};

/* A label: one class's chunks of one type. */
struct owner_row {
    int cls;
    enum owner_type type;
    uint64_t chunks, bytes, retained;
    uint64_t objects;            /* chunks that are the type's object itself */
};

/* A batch's chunks hold BATCH bytes, read a piece at a time (a
 * read_stream); roots are read a WINDOW at a time. */
enum { OWNER_LABELS_MAX = 250, OWNER_BATCH_BYTES = 4 << 20, OWNER_WINDOW_BYTES = 1 << 20 };

struct owner_graph {
    const struct mem_reader *m;
    const struct heap_index *ix;
    struct owner_typing typing;
    uint8_t *label;              /* per chunk: 0 none, else a row */
    uint64_t *shared;            /* a bit per chunk: another class reaches it too */
    uint64_t *pending;           /* a bit per chunk: to scan */
    uint64_t *container;         /* a bit per chunk: owned outright, not followed */
    uint64_t *object;            /* a bit per chunk: it is its type's object */
    uint64_t npending;
    struct owner_class classes[OWNER_CLASSES_MAX];
    int nclasses;
    struct owner_row rows[OWNER_LABELS_MAX + 1];
    int nrows;
    uint8_t row_of[OWNER_CLASSES_MAX][OT_COUNT];
    uint64_t ssl_methods[8];     /* SSL_METHODs seen, so each is checked once */
    int nssl_methods;
    /* the chunk a word last changed: words near each other point near
     * each other, so this saves lookups in the index */
    uint64_t last_lo, last_hi, last_i;
    bool last_whole;             /* [last_lo, last_hi) is all of it past its header */
    uint64_t box_lo, box_hi;     /* the container owner_graph_node_at last met */
    struct read_stream stream;   /* a batch's chunks, the pools' and confs' memory */
    bool streaming;              /* the stream was made */
    uint8_t *window;             /* roots and big chunks, a window at a time (WINDOW) */
    uint64_t scanned_bytes, root_bytes, unread_chunks, unread_root_bytes, rounds;
    uint64_t leaked_chunks, leaked_bytes;
    /* how long each step of owner_roots_run took (NGXMEM_DEBUG_IO shows it) */
    uint64_t step_ns[8];
    const char *step_names[8];
    int nsteps;
    /* the memory outside the heap scanned as roots, with its class */
    struct owner_range { uint64_t start, end; int cls; } *ranges;
    size_t nranges, ranges_cap;
    uint64_t step_start_ns;
    bool oom;
};

/* Over IX (built), read through M. False when memory runs out; release
 * in every case. */
bool owner_graph_begin(struct owner_graph *g, const struct mem_reader *m,
                       const struct heap_index *ix, const struct owner_typing *typing);
void owner_graph_release(struct owner_graph *g);

/* The next class in the order; its number (the order: lower first), or
 * -1 when there are too many. LEVEL: a module configuration's, or NULL. */
int owner_graph_class(struct owner_graph *g, const char *owner, const char *module,
                      const char *level);

/* The in-use chunk holding ADDR is class CLS's outright (a pool block): it
 * counts under CLS's row of TYPE and is never followed (its memory is
 * roots of its own, given by the caller). */
void owner_graph_container(struct owner_graph *g, int cls, uint64_t addr, enum owner_type type);

/* Roots of class CLS: every aligned word of [START, END), read from the
 * inferior (what cannot be read is counted, not fatal); or WORDS already
 * read (N of them). */
void owner_graph_scan(struct owner_graph *g, int cls, uint64_t start, uint64_t end);
void owner_graph_words(struct owner_graph *g, int cls, const uint64_t *words, size_t n);

/* Follow what the roots given so far reach, to the end. False + ERR on
 * Ctrl-C (through the reader's progress) or when memory runs out. */
bool owner_graph_settle(struct owner_graph *g, char *err, size_t errlen);

/* After the last roots: retained bytes, and the leaked chunks (in use,
 * reached by nothing), each given to LEAK (may be NULL). */
typedef void (*owner_leak_fn)(void *arg, uint64_t addr, uint64_t size);
void owner_graph_finish(struct owner_graph *g, owner_leak_fn leak, void *arg);

/* The container holding V is the one last met (owner_graph_node_at's
 * rarer case); false. */
bool owner_graph_box(struct owner_graph *g, uint64_t v);

/* Does V point into an in-use chunk that is no container (one the graph
 * follows)? For loops over every word (compiled with the CPU's popcount,
 * as heap_index_lookup). */
__attribute__((always_inline))
static inline bool owner_graph_node_at(struct owner_graph *g, uint64_t v)
{
    /* pool memory points mostly into pool memory: the container last met */
    if (v >= g->box_lo && v < g->box_hi)
        return false;
    int64_t i = v < 4096 || v >> 47 ? -1 : heap_index_lookup(g->ix, v);
    if (i < 0 || !heap_index_in_use(g->ix, (uint64_t)i))
        return false;
    if (!((g->container[(uint64_t)i / 64] >> ((uint64_t)i % 64)) & 1))
        return true;
    return owner_graph_box(g, v);
}

/* What points into [LO, HI): every aligned word of the in-use chunks
 * and of the root ranges scanned (owner_graph_scan) equal to an address
 * there. REF gets each word's address and the chunk holding it (-1: a
 * root range's memory, of class CLS). False + ERR on Ctrl-C. */
typedef void (*owner_ref_fn)(void *arg, uint64_t at, int64_t chunk, int cls);
bool owner_graph_refs(struct owner_graph *g, uint64_t lo, uint64_t hi, owner_ref_fn ref,
                      void *arg, char *err, size_t errlen);

/* Mark the end of a step named NAME (a literal): its time since the one
 * before (or since owner_graph_begin). */
void owner_graph_step(struct owner_graph *g, const char *name);

/* The chunk holding ADDR: its row (0: none, i.e. leaked or not in use). */
int owner_graph_row_at(const struct owner_graph *g, uint64_t addr);

#endif
