#include "owner_graph.h"

#include "grow_array.h"
#include "huge_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const owner_type_ids[OT_COUNT] = {
    NULL, "openssl_ssl_ctx", "pcre2_code", "zlib_deflate_state", "zlib_inflate_state",
    "glibc_tcache", "nginx_pool_blocks", "nginx_connections",
};
const char *const owner_type_names[OT_COUNT] = {
    NULL, "OpenSSL SSL_CTX", "PCRE2 compiled pattern", "zlib deflate state",
    "zlib inflate state", "glibc tcache", "nginx pool blocks", "nginx connections and events",
};

enum {
    BATCH_MAX = 16384,           /* chunks read at once */
    SPAN_GAP = 4096,             /* chunks closer than this are read as one span */
    WINDOW = OWNER_WINDOW_BYTES, /* roots and big chunks: read a window at a time */
};

static bool bit(const uint64_t *v, uint64_t i)
{
    return (v[i / 64] >> (i % 64)) & 1;
}

static void set_bit(uint64_t *v, uint64_t i)
{
    v[i / 64] |= 1ull << (i % 64);
}

static size_t bits_bytes(uint64_t n)
{
    return (size_t)((n + 63) / 64 + 1) * 8;
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void owner_graph_step(struct owner_graph *g, const char *name)
{
    uint64_t t = now_ns();
    if (g->nsteps < 8) {
        g->step_names[g->nsteps] = name;
        g->step_ns[g->nsteps++] = t - g->step_start_ns;
    }
    g->step_start_ns = t;
}

bool owner_graph_begin(struct owner_graph *g, const struct mem_reader *m,
                       const struct heap_index *ix, const struct owner_typing *typing)
{
    memset(g, 0, sizeof *g);
    g->step_start_ns = now_ns();
    g->m = m;
    g->ix = ix;
    if (typing)
        g->typing = *typing;
    g->nrows = 1;
    g->label = huge_array_alloc(ix->nchunks + 64);
    size_t bytes = bits_bytes(ix->nchunks);
    g->shared = calloc(1, bytes);
    g->pending = calloc(1, bytes);
    g->container = calloc(1, bytes);
    g->object = calloc(1, bytes);
    g->window = malloc(WINDOW);
    g->streaming = read_stream_init(&g->stream, m);
    g->oom = !g->label || !g->shared || !g->pending || !g->container ||
             !g->object || !g->window || !g->streaming;
    return !g->oom;
}

void owner_graph_release(struct owner_graph *g)
{
    if (g->label)
        huge_array_free(g->label, g->ix->nchunks + 64);
    free(g->shared);
    free(g->pending);
    free(g->container);
    free(g->object);
    free(g->window);
    if (g->streaming)
        read_stream_free(&g->stream);
    g->streaming = false;
    free(g->ranges);
    g->ranges = NULL;
    g->label = NULL;
    g->shared = g->pending = g->container = g->object = NULL;
    g->window = NULL;
}

int owner_graph_class(struct owner_graph *g, const char *owner, const char *module,
                      const char *level)
{
    if (g->nclasses == OWNER_CLASSES_MAX)
        return -1;
    struct owner_class *c = &g->classes[g->nclasses];
    snprintf(c->owner, sizeof c->owner, "%s", owner);
    snprintf(c->module, sizeof c->module, "%s", module ? module : "");
    snprintf(c->level, sizeof c->level, "%s", level ? level : "");
    return g->nclasses++;
}

/* The row of class CLS's chunks of TYPE (0 when there is no room left:
 * they then count as reached by nothing). */
static uint8_t row_for(struct owner_graph *g, int cls, enum owner_type type)
{
    if (cls < 0 || cls >= g->nclasses)
        return 0;
    uint8_t r = g->row_of[cls][type];
    if (r || g->nrows > OWNER_LABELS_MAX)
        return r;
    r = (uint8_t)g->nrows++;
    g->rows[r] = (struct owner_row){ .cls = cls, .type = type };
    g->row_of[cls][type] = r;
    return r;
}

static void set_pending(struct owner_graph *g, uint64_t i)
{
    if (!bit(g->pending, i)) {
        set_bit(g->pending, i);
        g->npending++;
    }
}

/* Chunk I (SIZE bytes) moves from its row to row TO. */
static void move_row(struct owner_graph *g, uint64_t i, uint64_t size, uint8_t to)
{
    uint8_t from = g->label[i];
    bool obj = bit(g->object, i);
    if (from) {
        g->rows[from].chunks--;
        g->rows[from].bytes -= size;
        g->rows[from].objects -= obj;
    }
    g->rows[to].chunks++;
    g->rows[to].bytes += size;
    g->rows[to].objects += obj;
    g->label[i] = to;
}

void owner_graph_container(struct owner_graph *g, int cls, uint64_t addr, enum owner_type type)
{
    uint64_t start, size;
    int64_t i = heap_index_find(g->ix, addr, &start, &size);
    uint8_t r = row_for(g, cls, type);
    if (i < 0 || !r || !heap_index_in_use(g->ix, (uint64_t)i) || bit(g->container, (uint64_t)i))
        return;
    set_bit(g->container, (uint64_t)i);
    move_row(g, (uint64_t)i, size, r);
}

/* Word V (in chunk I, whose row is CUR) takes row LAB's class to it:
 * labelled, moved to an earlier class, or shared (the rarer case of
 * visit, out of line). */
static void visit_change(struct owner_graph *g, uint64_t v, uint64_t i, uint8_t cur, uint8_t lab,
                         bool shared)
{
    uint64_t start, size;
    /* the lookup that found it may have met its ends already */
    if (g->last_whole) {
        start = g->last_lo - 16;
        size = g->last_hi - start;
    } else {
        heap_index_extent(g->ix, v, &start, &size);
        /* words near each other point into the chunk changed last */
        g->last_lo = start + 16;
        g->last_hi = start + size;
        g->last_whole = true;
    }
    if (!cur) {
        move_row(g, i, size, lab);
        if (shared)
            set_bit(g->shared, i);
        set_pending(g, i);
        return;
    }
    int ccur = g->rows[cur].cls, clab = g->rows[lab].cls;
    if (ccur != clab || shared) {
        if (!bit(g->shared, i)) {
            set_bit(g->shared, i);
            set_pending(g, i);
        }
    }
    if (clab < ccur) {
        /* an earlier class reaches it: it is that class's now, under the
         * type that class's way gives it (its own, if it is an object) */
        enum owner_type t = bit(g->object, i) || !g->rows[lab].type ? g->rows[cur].type
                                                                     : g->rows[lab].type;
        uint8_t to = row_for(g, clab, t);
        if (to) {
            move_row(g, i, size, to);
            set_pending(g, i);
        }
    }
}

/* Word V of memory scanned on behalf of row LAB (SHARED: what holds it is
 * reached by more than one class). */
__attribute__((always_inline))
static inline void visit(struct owner_graph *g, uint64_t v, uint8_t lab, bool shared)
{
    uint64_t i;
    if (v >= g->last_lo && v < g->last_hi) {
        i = g->last_i;
    } else {
        int64_t si = v < 4096 || v >> 47
                         ? -1 : heap_index_lookup_near(g->ix, v, &g->last_lo, &g->last_hi,
                                                       &g->last_whole);
        if (si < 0)
            return;
        i = g->last_i = (uint64_t)si;
    }
    uint8_t cur = g->label[i];
    /* the common case: reached again by the class that has it (or by a
     * container's class: nothing to do either way) */
    if (cur && !shared && g->rows[cur].cls == g->rows[lab].cls)
        return;
    if (!heap_index_in_use(g->ix, i) || bit(g->container, i))
        return;
    visit_change(g, v, i, cur, lab, shared);
}

/* Every aligned word of P (with the CPU's popcount where it has one: the
 * index's lookups count bits). */
__attribute__((target_clones("popcnt", "default")))
static void scan_words(struct owner_graph *g, const uint8_t *p, size_t len, uint8_t lab,
                       bool shared)
{
    for (size_t k = 0; k + 8 <= len; k += 8) {
        uint64_t v;
        memcpy(&v, p + k, 8);
        visit(g, v, lab, shared);
    }
}

void owner_graph_words(struct owner_graph *g, int cls, const uint64_t *words, size_t n)
{
    uint8_t lab = row_for(g, cls, OT_NONE);
    if (!lab)
        return;
    g->root_bytes += n * 8;
    scan_words(g, (const uint8_t *)words, n * 8, lab, false);
}

/* [ADDR, ADDR+LEN) a window at a time into the buffer's window part, each
 * piece given to FN; unreadable pages are skipped. Returns the bytes not
 * read. */
typedef void (*piece_fn)(void *arg, uint64_t addr, const uint8_t *p, size_t len);
static uint64_t read_windows(struct owner_graph *g, uint64_t addr, uint64_t len, piece_fn fn,
                             void *arg)
{
    uint8_t *w = g->window;
    uint64_t missed = 0;
    for (uint64_t off = 0; off < len;) {
        uint64_t n = len - off < WINDOW ? len - off : WINDOW;
        if (mem_read(g->m, addr + off, w, (size_t)n) != 0) {
            /* a page at a time through the hole */
            uint64_t page = 4096 - ((addr + off) & 4095);
            n = page < n ? page : n;
            if (mem_read(g->m, addr + off, w, (size_t)n) != 0) {
                missed += n;
                off += n;
                continue;
            }
        }
        fn(arg, addr + off, w, (size_t)n);
        off += n;
    }
    return missed;
}

struct words_for {
    struct owner_graph *g;
    uint8_t lab;
    bool shared;
};

static void visit_piece(void *arg, uint64_t addr, const uint8_t *p, size_t len)
{
    (void)addr;
    struct words_for *w = arg;
    scan_words(w->g, p, len, w->lab, w->shared);
}

static uint64_t scan_windows(struct owner_graph *g, uint64_t addr, uint64_t len, uint8_t lab,
                             bool shared)
{
    struct words_for w = { g, lab, shared };
    return read_windows(g, addr, len, visit_piece, &w);
}

void owner_graph_scan(struct owner_graph *g, int cls, uint64_t start, uint64_t end)
{
    start = (start + 7) & ~7ull;
    uint8_t lab = row_for(g, cls, OT_NONE);
    if (g->oom || end <= start || !lab)
        return;
    g->root_bytes += end - start;
    if (grow_array(&g->ranges, &g->ranges_cap, g->nranges, sizeof *g->ranges, 64))
        g->ranges[g->nranges++] = (struct owner_range){ start, end, cls };
    g->unread_root_bytes += scan_windows(g, start, end - start, lab, false);
}

/* ---- what a chunk is -------------------------------------------------- */

static bool in_libssl(uint64_t v, const struct owner_typing *t)
{
    for (int k = 0; k < t->nlibssl; k++)
        if (v >= t->libssl[k].start && v < t->libssl[k].end)
            return true;
    return false;
}

static uint64_t word(const uint8_t *p, size_t at)
{
    uint64_t v;
    memcpy(&v, p + at, 8);
    return v;
}

/* SSL_CTX (OpenSSL 3: libctx, then method; 1.1: method first): its
 * method a static SSL_METHOD in libssl, whose version is one OpenSSL
 * knows. */
static bool is_ssl_ctx(struct owner_graph *g, const uint8_t *p, size_t len)
{
    if (len < 512 || len > 16384)
        return false;
    uint64_t method = word(p, (size_t)g->typing.ssl_method_at);
    if (!in_libssl(method, &g->typing))
        return false;
    for (int k = 0; k < g->nssl_methods; k++)
        if (g->ssl_methods[k] == method)
            return true;
    uint32_t version;
    if (mem_read(g->m, method, &version, 4) != 0)
        return false;
    bool known = version == 0x10000 || version == 0x1ffff ||
                 (version >= 0x300 && version <= 0x304) || version == 0xfeff || version == 0xfefd;
    if (known && g->nssl_methods < 8)
        g->ssl_methods[g->nssl_methods++] = method;
    return known;
}

/* A zlib stream's state: its first word the stream, whose state is it. */
static bool zlib_state_of(struct owner_graph *g, const uint8_t *p, size_t len, uint64_t user)
{
    uint64_t strm = word(p, 0), back;
    return len >= 64 && strm && !(strm & 7) && mem_read(g->m, strm + 56, &back, 8) == 0 &&
           back == user;
}

static enum owner_type type_of(struct owner_graph *g, uint64_t user, const uint8_t *p,
                               size_t len)
{
    for (int k = 0; k < g->typing.ntcache; k++)
        if (g->typing.tcache[k] == user)
            return OT_GLIBC_TCACHE;
    if (len >= 136 && (uint32_t)word(p, 80) == 0x50435245u && word(p, 72) <= len + 16 &&
        word(p, 72) >= 136)
        return OT_PCRE2_CODE;
    if (len >= 64) {
        uint32_t status;
        memcpy(&status, p + 8, 4);
        bool deflate = status == 42 || status == 57 || status == 69 || status == 73 ||
                       status == 91 || status == 103 || status == 113 || status == 666;
        bool inflate = status >= 16180 && status <= 16211;
        if ((deflate || inflate) && zlib_state_of(g, p, len, user))
            return deflate ? OT_ZLIB_DEFLATE : OT_ZLIB_INFLATE;
    }
    if (g->typing.nlibssl && is_ssl_ctx(g, p, len))
        return OT_SSL_CTX;
    return OT_NONE;
}

/* Chunk I now read (its user memory P, LEN bytes at USER; FIRST: its
 * beginning, else a later window of a big one): what it is, then every
 * word in it. */
static void scan_chunk(void *arg, uint64_t i, uint64_t user, const uint8_t *p, size_t len,
                       bool first)
{
    struct owner_graph *g = arg;
    uint8_t lab = g->label[i];
    if (!lab)
        return;
    if (first && g->rows[lab].type == OT_NONE && !bit(g->object, i)) {
        enum owner_type t = type_of(g, user, p, len);
        uint8_t typed = t ? row_for(g, g->rows[lab].cls, t) : 0;
        if (typed) {
            uint64_t start, size;
            heap_index_chunk(g->ix, i, &start, &size);
            move_row(g, i, size, typed);
            set_bit(g->object, i);
            g->rows[typed].objects++;
            lab = typed;
        }
    }
    g->scanned_bytes += len;
    scan_words(g, p, len, lab, bit(g->shared, i));
}

/* Each chunk's memory, read: FN(ARG, chunk, address, bytes, length,
 * first piece). */
typedef void (*chunk_bytes_fn)(void *arg, uint64_t i, uint64_t addr, const uint8_t *p,
                               size_t len, bool first);

struct big_piece {
    chunk_bytes_fn fn;
    void *arg;
    uint64_t i;
};

static void big_piece(void *arg, uint64_t addr, const uint8_t *p, size_t len)
{
    struct big_piece *b = arg;
    b->fn(b->arg, b->i, addr, p, len, false);
}

/* A chunk too big for a batch: a window at a time. */
static void read_big(struct owner_graph *g, uint64_t i, uint64_t start, uint64_t size,
                     chunk_bytes_fn fn, void *arg)
{
    uint64_t len = heap_index_usable(g->ix, start, size);
    uint64_t first = len < WINDOW ? len : WINDOW;
    if (mem_read(g->m, start + 16, g->window, (size_t)first) != 0) {
        g->unread_chunks++;
        return;
    }
    fn(arg, i, start + 16, g->window, (size_t)first, true);
    struct big_piece b = { fn, arg, i };
    if (len > first)
        g->unread_root_bytes += read_windows(g, start + 16 + first, len - first, big_piece, &b);
}

struct batch_chunk {
    uint64_t start, size, len, i;
};

struct batch_items {
    const struct batch_chunk *c;
    size_t n, k;
};

static bool batch_item(void *arg, uint64_t *addr, uint64_t *len, uint64_t *tag)
{
    struct batch_items *b = arg;
    if (b->k == b->n)
        return false;
    *addr = b->c[b->k].start + 16;
    *len = b->c[b->k].len;
    *tag = b->k++;
    return true;
}

/* Read the batch (its chunks in address order, none bigger than a
 * WINDOW) in few spans, a piece read ahead of the one being scanned, and
 * give each chunk to FN in order. */
static void run_batch(struct owner_graph *g, struct batch_chunk *c, size_t n,
                      chunk_bytes_fn fn, void *arg)
{
    struct batch_items b = { c, n, 0 };
    const struct read_item *it;
    const uint8_t *p;
    read_stream_begin(&g->stream, SPAN_GAP, batch_item, &b);
    while ((it = read_stream_get(&g->stream, &p)))
        if (p)
            fn(arg, c[it->tag].i, it->addr, p, (size_t)it->len, true);
        else
            g->unread_chunks++;
}

/* One pass over the pending chunks in address order. A batch's scans
 * mark what its chunks reach: the pass goes back to the batch's start for
 * it, so what lies near (a structure's parts) is scanned in this pass,
 * and only what points further back waits for the next. */
static bool sweep(struct owner_graph *g, char *err, size_t errlen)
{
    static struct batch_chunk c[BATCH_MAX];
    size_t words = (size_t)((g->ix->nchunks + 63) / 64), n = 0, bytes = 0, first_w = 0;
    struct heap_cursor cur = { 0 };
    uint64_t next_i = UINT64_MAX, batches = 0;
    g->rounds++;
    for (size_t w = 0; w < words;) {
        if (!g->pending[w]) {
            w++;
            continue;
        }
        uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(g->pending[w]);
        uint64_t start, size, got = UINT64_MAX;
        /* a cursor walks on to nearby chunks; others are sought */
        if (i < next_i || i - next_i > 64) {
            if (!heap_index_seek(g->ix, i, &cur))
                goto drop;
            next_i = i;
        }
        while (next_i <= i && heap_index_next(g->ix, &cur, &got, &start, &size))
            next_i = got + 1;
        if (got != i || !heap_index_in_use(g->ix, i))
            goto drop;
        uint64_t len = heap_cursor_usable(&cur, size);
        if (n && (n == BATCH_MAX || bytes + len > OWNER_BATCH_BYTES)) {
            run_batch(g, c, n, scan_chunk, g);
            n = bytes = 0;
            if ((++batches & 15) == 0 &&
                mem_progress(g->m, g->scanned_bytes, g->ix->used_bytes ? g->ix->used_bytes : 1)) {
                snprintf(err, errlen, "interrupted");
                return false;
            }
            /* what the batch reached from its first chunk on is this
             * pass's: back there (this chunk is still pending) */
            w = first_w;
            next_i = UINT64_MAX;
            continue;
        }
        g->pending[w] &= ~(1ull << (i % 64));
        g->npending--;
        if (len > WINDOW) {
            read_big(g, i, start, size, scan_chunk, g);
            continue;
        }
        if (!n)
            first_w = w;
        c[n++] = (struct batch_chunk){ start, size, len, i };
        bytes += len;
        continue;
    drop:
        g->pending[w] &= ~(1ull << (i % 64));
        g->npending--;
    }
    if (n)
        run_batch(g, c, n, scan_chunk, g);
    return true;
}

bool owner_graph_settle(struct owner_graph *g, char *err, size_t errlen)
{
    if (g->oom) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    while (g->npending) {
        if (!sweep(g, err, errlen))
            return false;
    }
    return true;
}

struct finish_walk {
    struct owner_graph *g;
    owner_leak_fn leak;
    void *arg;
};

static void finish_chunk(void *arg, uint64_t i, uint64_t start, uint64_t size)
{
    struct finish_walk *f = arg;
    struct owner_graph *g = f->g;
    if (!heap_index_in_use(g->ix, i))
        return;
    uint8_t lab = g->label[i];
    if (lab) {
        if (!bit(g->shared, i))
            g->rows[lab].retained += size;
        return;
    }
    g->leaked_chunks++;
    g->leaked_bytes += size;
    if (f->leak)
        f->leak(f->arg, start, size);
}

void owner_graph_finish(struct owner_graph *g, owner_leak_fn leak, void *arg)
{
    for (int r = 1; r < g->nrows; r++)
        g->rows[r].retained = 0;
    g->leaked_chunks = g->leaked_bytes = 0;
    struct finish_walk f = { g, leak, arg };
    heap_index_each(g->ix, finish_chunk, &f);
}

bool owner_graph_box(struct owner_graph *g, uint64_t v)
{
    uint64_t start, size;
    heap_index_extent(g->ix, v, &start, &size);
    g->box_lo = start + 16;
    g->box_hi = start + size;
    return false;
}

int owner_graph_row_at(const struct owner_graph *g, uint64_t addr)
{
    uint64_t start, size;
    int64_t i = heap_index_find(g->ix, addr, &start, &size);
    return i < 0 ? 0 : g->label[i];
}

/* ---- what points at a range ----------------------------------------- */

struct ref_search {
    struct owner_graph *g;
    uint64_t lo, hi;
    owner_ref_fn ref;
    void *arg;
    int cls;                     /* the root range being read */
};

static void ref_words(struct ref_search *r, uint64_t addr, const uint8_t *p, size_t len,
                      int64_t chunk)
{
    for (size_t k = 0; k + 8 <= len; k += 8) {
        uint64_t v;
        memcpy(&v, p + k, 8);
        if (v >= r->lo && v < r->hi)
            r->ref(r->arg, addr + k, chunk, r->cls);
    }
}

static void ref_chunk(void *arg, uint64_t i, uint64_t addr, const uint8_t *p, size_t len,
                      bool first)
{
    (void)first;
    ref_words(arg, addr, p, len, (int64_t)i);
}

static void ref_piece(void *arg, uint64_t addr, const uint8_t *p, size_t len)
{
    ref_words(arg, addr, p, len, -1);
}

bool owner_graph_refs(struct owner_graph *g, uint64_t lo, uint64_t hi, owner_ref_fn ref,
                      void *arg, char *err, size_t errlen)
{
    static struct batch_chunk c[BATCH_MAX];
    struct ref_search r = { g, lo, hi, ref, arg, -1 };
    struct heap_cursor cur;
    uint64_t i, start, size, bytes = 0, done = 0, batches = 0;
    size_t n = 0;
    if (heap_index_seek(g->ix, 0, &cur))
        while (heap_index_next(g->ix, &cur, &i, &start, &size)) {
            if (!heap_index_in_use(g->ix, i))
                continue;
            uint64_t len = heap_cursor_usable(&cur, size);
            if (len > WINDOW) {
                read_big(g, i, start, size, ref_chunk, &r);
                continue;
            }
            if (n && (n == BATCH_MAX || bytes + len > OWNER_BATCH_BYTES)) {
                run_batch(g, c, n, ref_chunk, &r);
                done += bytes;
                n = bytes = 0;
                if ((++batches & 15) == 0 &&
                    mem_progress(g->m, done, g->ix->used_bytes ? g->ix->used_bytes : 1)) {
                    snprintf(err, errlen, "interrupted");
                    return false;
                }
            }
            c[n++] = (struct batch_chunk){ start, size, len, i };
            bytes += len;
        }
    if (n)
        run_batch(g, c, n, ref_chunk, &r);
    for (size_t k = 0; k < g->nranges; k++) {
        r.cls = g->ranges[k].cls;
        read_windows(g, g->ranges[k].start, g->ranges[k].end - g->ranges[k].start, ref_piece, &r);
    }
    return true;
}
