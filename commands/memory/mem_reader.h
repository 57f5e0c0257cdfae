/* How analysis code sees the inferior: memory, optional symbols, and a
 * way to report progress and learn that the user wants to stop. Nothing
 * here depends on GDB; plugin glue provides one implementation, tests and
 * fuzzers another (image_reader.h). */
#ifndef NGXMEM_MEM_READER_H
#define NGXMEM_MEM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One of many small reads done together (mem_read_spans). */
struct mem_span {
    uint64_t addr;
    void *buf;
    size_t len;
    bool ok;                  /* set by the read */
};

struct mem_reader {
    /* Read LEN bytes at ADDR into BUF: 0 on success, non-zero otherwise. */
    int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
    /* Address of a symbol (e.g. "main_arena"); false if unknown. May be
     * NULL: no symbols at all. Never raises. */
    bool (*symbol)(void *ctx, const char *name, uint64_t *addr);
    /* Called now and then during long walks with bytes done and total;
     * returns true if the walk must stop (Ctrl-C). May be NULL. */
    bool (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *ctx;
    /* The memory around ADDR, [*lo, *hi), that can be read in any amount
     * without effects on the inferior: a core's, or a live process's
     * private anonymous mapping (an untouched page there reads as the zero
     * page, where a shared zone's page would be allocated). False: unknown,
     * read only what is needed. May be NULL. */
    bool (*quiet_extent)(void *ctx, uint64_t addr, uint64_t *lo, uint64_t *hi);
    /* Read N independent spans in as few calls as the target allows,
     * setting each one's ok: for many lists followed side by side, a step
     * of each per call. False: cannot batch, nothing read. May be NULL. */
    bool (*read_spans)(void *ctx, struct mem_span *spans, size_t n);
    /* A reader whose read another thread may call while this one goes on
     * (it touches nothing the other callbacks use): for a helper reading
     * ahead of a walk. False: none (GDB's own reads, a core). May be NULL. */
    bool (*concurrent_reader)(void *ctx, struct mem_reader *out);
};

static inline int mem_read(const struct mem_reader *r, uint64_t addr,
                           void *buf, size_t len)
{
    return r->read(r->ctx, addr, buf, len);
}

static inline bool mem_read_u64(const struct mem_reader *r, uint64_t addr,
                                uint64_t *out)
{
    return r->read(r->ctx, addr, out, sizeof *out) == 0;
}

static inline bool mem_symbol(const struct mem_reader *r, const char *name,
                              uint64_t *addr)
{
    return r->symbol && r->symbol(r->ctx, name, addr);
}

static inline bool mem_quiet_extent(const struct mem_reader *r, uint64_t addr,
                                    uint64_t *lo, uint64_t *hi)
{
    return r->quiet_extent && r->quiet_extent(r->ctx, addr, lo, hi);
}

static inline void mem_read_spans(const struct mem_reader *r, struct mem_span *spans,
                                  size_t n)
{
    if (r->read_spans && r->read_spans(r->ctx, spans, n))
        return;
    for (size_t i = 0; i < n; i++)
        spans[i].ok = mem_read(r, spans[i].addr, spans[i].buf, spans[i].len) == 0;
}

static inline bool mem_concurrent_reader(const struct mem_reader *r, struct mem_reader *out)
{
    return r->concurrent_reader && r->concurrent_reader(r->ctx, out);
}

static inline bool mem_progress(const struct mem_reader *r, uint64_t done,
                                uint64_t total)
{
    return r->progress && r->progress(r->ctx, done, total);
}

#endif
