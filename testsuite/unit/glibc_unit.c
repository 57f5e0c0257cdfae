/* The glibc analysis without GDB: run heap-fixture (path in argv[1]) in
 * each mode, read its memory with process_vm_readv, and check the totals
 * against the mallinfo2() truth it prints. Then snapshot its memory into
 * an in-memory image and check the image reader gives the same totals.
 * With SEED_DIR (argv[2]) it also writes each image as a fuzzing seed.
 * Prints "PASS: ..." / "FAIL: ..." lines (read by ngxmem.unit/unit.exp). */
#define _GNU_SOURCE
#include "glibc_heap.h"
#include "glibc_stats.h"
#include "auxv.h"
#include "block_cache.h"
#include "core_file.h"
#include "elf_dynsym.h"
#include "image_reader.h"
#include "proc_smaps.h"
#include "process_memory.h"
#include "target_identity.h"
#include "fuzz_image.h"

#include <dlfcn.h>
#include <elf.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include "glibc_placement.h"
#include "heap_claims.h"
#include "owner_graph.h"
#include "lua_alloc.h"
#include "lua_gc.h"
#include "lua_gc_layout.h"
#include "lua_gc_path.h"

#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(bool ok, const char *what, const char *mode, long long got, long long want)
{
    printf("%s: unit %s: %s (got %lld, want %lld)\n", ok ? "PASS" : "FAIL", mode, what, got,
           want);
    failures += !ok;
}

struct child {
    pid_t pid;
    uint64_t libc_delta;     /* child's libc address - ours */
};

static int child_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct child *c = ctx;
    struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
    return process_vm_readv(c->pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* process_vm_readv shares nothing: the walk's helper thread may read too. */
static bool child_concurrent_reader(void *ctx, struct mem_reader *out)
{
    *out = (struct mem_reader){ .read = child_read, .ctx = ctx };
    return true;
}

/* As GDB's reader: a live process's private anonymous memory is quiet. */
static bool child_quiet_extent(void *ctx, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    struct child *c = ctx;
    return proc_private_anonymous(c->pid, addr, lo, hi);
}

/* As GDB's reader: many spans a call (fastbins followed side by side). */
static bool child_read_spans(void *ctx, struct mem_span *spans, size_t n)
{
    struct child *c = ctx;
    return process_read_spans(c->pid, spans, n);
}

static bool child_symbol(void *ctx, const char *name, uint64_t *addr)
{
    struct child *c = ctx;
    if (strcmp(name, "malloc_trim") != 0)   /* no debug info: memory path */
        return false;
    *addr = (uint64_t)(uintptr_t)dlsym(RTLD_DEFAULT, "malloc_trim") + c->libc_delta;
    return true;
}

/* Where PID mapped the libc we run on (same file: it is our child); by
 * its real name, as libc.so.6 is a link to libc-2.31.so before 2.34. */
static uint64_t libc_base_of(pid_t pid, const char *libc_path)
{
    char real[PATH_MAX];
    return realpath(libc_path, real) ? fuzz_image_mapped_file(pid, real, NULL, 0) : 0;
}

/* Reads with bytes flipped, the same for the same address: memory that
 * lies but stays consistent, as a corrupt process's would. */
struct lying {
    const struct mem_reader *truth;
    uint64_t seed;
};

static int lying_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct lying *l = ctx;
    if (mem_read(l->truth, addr, buf, len) != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        uint64_t x = (addr + i) * 0x9e3779b97f4a7c15ull ^ l->seed;
        if ((x >> 53) == 0)   /* one byte in 2048 */
            ((uint8_t *)buf)[i] ^= (uint8_t)(x >> 8);
    }
    return 0;
}

/* The loaded objects' dynamic symbols, against dlsym in this process (the
 * child runs the same libc, LIBC_DELTA away). */
static void dynsym_cases(const struct mem_reader *r, pid_t pid, uint64_t libc_delta)
{
    const uint64_t types[2] = { AT_PHDR, AT_PHNUM };
    uint64_t v[2] = { 0, 0 }, got = 0;
    static struct dynsym_table t;
    bool ok = proc_auxv_values(pid, types, v, 2) && dynsym_table_load(r, v[0], v[1], &t);
    uint64_t phdr = v[0], phnum = v[1];
    check(ok && t.n >= 3, "link_map: the executable, libc and the linker", "dynsym", t.n, 3);
    const char *const names[] = { "malloc_trim", "malloc" /* undefined in the executable */ };
    /* libc's own: a sanitizer build of this program has a malloc of its own */
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    for (int i = 0; i < 2; i++) {
        uint64_t want = (uint64_t)(uintptr_t)dlsym(libc, names[i]) + libc_delta;
        char what[80];
        snprintf(what, sizeof what, "%s as dlsym finds it", names[i]);
        bool found = ok && dynsym_lookup(r, &t, names[i], &got);
        check(found && got == want, what, "dynsym", (long long)got, (long long)want);
    }
    if (libc)
        dlclose(libc);
    check(!dynsym_lookup(r, &t, "main_arena", &got), "a local symbol is not there", "dynsym", 0,
          0);
    check(!dynsym_lookup(r, &t, "no_such_symbol_anywhere", &got), "an unknown name", "dynsym", 0,
          0);
    /* lying memory: every lookup ends, none reads out of bounds */
    int answered = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        struct lying l = { r, seed * 0x2545f4914f6cdd1dull };
        struct mem_reader lr = { .read = lying_read, .ctx = &l };
        static struct dynsym_table lt;
        answered += dynsym_table_load(&lr, phdr, phnum, &lt) &&
                    dynsym_lookup(&lr, &lt, "malloc_trim", &got);
    }
    check(true, "200 lookups in lying memory end", "dynsym", answered, answered);
}

/* Many spans a call: an unreadable one in the middle fails alone; more
 * than one call's worth all arrive, byte for byte as single reads. */
static void spans_cases(const struct mem_reader *r, pid_t pid)
{
    const uint64_t type = AT_PHDR;
    uint64_t phdr = 0;
    enum { N = 1500 };
    static uint64_t got[N], want[N];
    static struct mem_span sp[N];
    bool ok = proc_auxv_values(pid, &type, &phdr, 1);
    for (int i = 0; i < N; i++)
        sp[i] = (struct mem_span){ i == 700 ? 8 : phdr + 8 * (uint64_t)(i % 8), &got[i], 8,
                                   false };
    ok = ok && process_read_spans(pid, sp, N);
    int right = 0;
    for (int i = 0; ok && i < N; i++)
        right += i == 700 ? !sp[i].ok
                          : sp[i].ok && mem_read(r, sp[i].addr, &want[i], 8) == 0 &&
                                got[i] == want[i];
    check(ok && right == N, "1500 spans, one unreadable, read as single reads are", "spans",
          right, N);
}

/* A tcache bin holding an entry while its count says 0 (a corrupt or
 * hostile count) is reported, though a keyed list is read at its head
 * only. The count is zeroed in the image, the process is not touched.
 * From 2.42 the field counts free slots, which bound nothing: no case. */
/* Where the image holds [ADDR, ADDR + LEN), to change it; NULL if not. */
static void *image_at(struct fuzz_image *img, uint64_t addr, size_t len)
{
    for (size_t k = 0; k < img->image.nsegments; k++) {
        struct image_segment *g = &img->segs[k];
        if (addr >= g->addr && addr + len <= g->addr + g->len)
            return (void *)(uintptr_t)(g->data + (addr - g->addr));   /* the test owns it */
    }
    return NULL;
}

static void tcache_count_case(struct fuzz_image *img)
{
    struct mem_reader ir = image_reader(&img->image);
    struct glibc_heap h;
    char err[512];
    uint64_t s = 0, bin = 0;
    bool opened = glibc_heap_open(&h, &ir, 0, err, sizeof err);
    if (opened && h.st.L->tcache_slots_left) {
        glibc_heap_close(&h);
        return;
    }
    if (opened && h.ntcache_structs > 0) {
        s = h.tcache_structs[0];
        for (uint64_t i = 0, e; i < h.st.L->tcache_bins && !bin; i++)
            if (mem_read_u64(&ir, s + h.st.L->tcache_entries + 8 * i, &e) && e)
                bin = i + 1;
    }
    glibc_heap_close(&h);
    uint16_t *count = bin ? image_at(img, s + 2 * (bin - 1), 2) : NULL;
    if (!count) {
        check(false, "a tcache bin with an entry in the image", "tcache count", 0, 0);
        return;
    }
    *count = 0;
    opened = glibc_heap_open(&h, &ir, 0, err, sizeof err);
    check(opened && strstr(h.warnings, "longer than its count 0"),
          "an entry in a bin whose count is 0 is reported", "tcache count", opened, 1);
    glibc_heap_close(&h);
}

/* A segment found by its ends alone (side by side with one alike) is
 * checked by the walk: its last chunk made to reach past its end fails
 * the walk, naming the segment, where following its chain to find it
 * would have lost it. */
static void guessed_segment_case(struct fuzz_image *img)
{
    struct mem_reader ir = image_reader(&img->image);
    struct glibc_heap h;
    char err[512];
    uint64_t last = 0;
    bool opened = glibc_heap_open(&h, &ir, 0, err, sizeof err);
    for (int i = 0; opened && i < h.nsegments && !last; i++) {
        const struct glibc_segment *g = &h.segments[i];
        for (uint64_t p = g->start, sz; g->guessed && p < g->end - 32; p += sz) {
            if (!mem_read_u64(&ir, p + 8, &sz) || (sz = glibc_chunksize(sz)) < 32)
                break;
            if (p + sz == g->end - 32)
                last = p;
        }
    }
    glibc_heap_close(&h);
    uint64_t *field = last ? image_at(img, last + 8, 8) : NULL;
    if (!field) {
        check(false, "a segment found by its ends, with a last chunk", "nobrk", 0, 0);
        return;
    }
    *field += 48;
    opened = glibc_heap_open(&h, &ir, 0, err, sizeof err);
    struct glibc_stats_walk w = { 0 };
    bool walked = opened && glibc_stats_begin(&w, &h) &&
                  glibc_heap_walk(&h, -1, glibc_stats_chunk, &w, err, sizeof err);
    check(opened && !walked && strstr(err, "corrupt chunk") &&
          strstr(err, "taken from its fenceposts"),
          "a chunk past the end of a segment found by its ends fails the walk", "nobrk",
          walked, 0);
    glibc_stats_free(&w);
    glibc_heap_close(&h);
    *field -= 48;
}

struct totals {
    long long free_bytes, tcache_bytes, free_chunks, tcache_chunks, fast_bytes, fast_chunks,
        arena, top_main, segments, guessed, unsorted_chunks, by_bins;
};

static bool analyse(const struct mem_reader *r, unsigned flags, struct totals *t, char *err,
                    size_t n)
{
    struct glibc_heap h;
    struct glibc_stats_walk w = { 0 };
    bool ok = glibc_heap_open(&h, r, flags, err, n) && glibc_stats_begin(&w, &h);
    h.record_binned = true;
    ok = ok && glibc_heap_walk(&h, -1, glibc_stats_chunk, &w, err, n);
    if (ok) {
        glibc_stats_end(&w);
        ok = glibc_heap_resolve_unsorted(&h, glibc_stats_reclass, &w, err, n);
    }
    if (ok) {
        const struct glibc_stats *s = &w.total;
        memset(t, 0, sizeof *t);
        for (int c = CH_TCACHE; c <= CH_TOP; c++) {
            t->free_bytes += (long long)s->cls[c].bytes;
            t->free_chunks += (long long)s->cls[c].count;
        }
        t->tcache_bytes = (long long)s->cls[CH_TCACHE].bytes;
        t->tcache_chunks = (long long)s->cls[CH_TCACHE].count;
        t->fast_bytes = (long long)s->cls[CH_FAST].bytes;
        t->fast_chunks = (long long)s->cls[CH_FAST].count;
        for (int i = 0; i < h.narenas; i++)
            t->arena += (long long)h.arenas[i].system_mem;
        t->top_main = (long long)h.arenas[0].top_size;
        t->segments = h.nsegments;
        t->guessed = glibc_heap_guessed_segments(&h);
        t->unsorted_chunks = (long long)s->cls[CH_UNSORTED].count;
        t->by_bins = h.unsorted_by_bins;
    }
    glibc_stats_free(&w);
    glibc_heap_close(&h);
    return ok;
}

static void compare(const char *mode, const char *how, const struct totals *t,
                    const long long *m /* arena ordblks smblks fsmblks fordblks keepcost */)
{
    char what[128];
    snprintf(what, sizeof what, "%s: free_bytes - tcache_bytes == fordblks", how);
    check(t->free_bytes - t->tcache_bytes == m[4], what, mode, t->free_bytes - t->tcache_bytes,
          m[4]);
    snprintf(what, sizeof what, "%s: free_chunks - tcache_chunks == ordblks + smblks", how);
    check(t->free_chunks - t->tcache_chunks == m[1] + m[2], what, mode,
          t->free_chunks - t->tcache_chunks, m[1] + m[2]);
    snprintf(what, sizeof what, "%s: fastbin bytes == fsmblks", how);
    check(t->fast_bytes == m[3], what, mode, t->fast_bytes, m[3]);
    snprintf(what, sizeof what, "%s: arena == mallinfo2.arena", how);
    check(t->arena == m[0], what, mode, t->arena, m[0]);
    snprintf(what, sizeof what, "%s: main top == keepcost", how);
    check(t->top_main == m[5], what, mode, t->top_main, m[5]);
}

static void run_mode(const char *fixture, const char *mode, const char *seed_dir)
{
    int fds[2];
    if (pipe(fds) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        execl(fixture, fixture, mode, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[1024] = "";
    size_t got = 0;
    while (!strstr(buf, "ready") && got < sizeof buf - 1) {
        ssize_t n = read(fds[0], buf + got, sizeof buf - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
    }
    long long m[6];
    if (sscanf(strstr(buf, "arena=") ? strstr(buf, "arena=") : "",
               "arena=%lld ordblks=%lld smblks=%lld", &m[0], &m[1], &m[2]) != 3 ||
        !strstr(buf, "fsmblks=") ||
        sscanf(strstr(buf, "fsmblks="), "fsmblks=%lld uordblks=%*d fordblks=%lld keepcost=%lld",
               &m[3], &m[4], &m[5]) != 3) {
        check(false, "fixture truth line", mode, 0, 0);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return;
    }
    kill(pid, SIGSTOP);
    struct child c = { pid, 0 };
    Dl_info di;
    dladdr(dlsym(RTLD_DEFAULT, "malloc_trim"), &di);
    c.libc_delta = libc_base_of(pid, di.dli_fname) - (uint64_t)(uintptr_t)di.dli_fbase;
    struct mem_reader r = { child_read, child_symbol, NULL, &c, child_quiet_extent,
                            child_read_spans, child_concurrent_reader };
    if (strcmp(mode, "mixed") == 0) {
        dynsym_cases(&r, pid, c.libc_delta);
        spans_cases(&r, pid);
    }
    struct totals t;
    char err[512];
    if (analyse(&r, 0, &t, err, sizeof err))
        compare(mode, "process_vm_readv", &t, m);
    else
        check(false, err, mode, 0, 0);
    /* the unsorted chunks as the bins leave them, and by their own list */
    struct totals followed;
    if (t.by_bins && analyse(&r, GLIBC_FOLLOW_UNSORTED, &followed, err, sizeof err))
        check(followed.unsorted_chunks == t.unsorted_chunks && !followed.by_bins,
              "unsorted chunks left by the bins == those on the unsorted list", mode,
              t.unsorted_chunks, followed.unsorted_chunks);
    if (strcmp(mode, "nobrk") == 0)   /* segments alike and not */
        check(t.guessed > 0 && t.guessed < t.segments - 1,
              "some segments found by their ends, others by their chains", mode, t.guessed,
              t.segments);

    struct fuzz_image img;
    if (fuzz_image_snapshot(&img, &r, pid)) {
        struct mem_reader ir = image_reader(&img.image);
        if (analyse(&ir, 0, &t, err, sizeof err))
            compare(mode, "memory image", &t, m);
        else
            check(false, err, mode, 0, 0);
        if (seed_dir) {
            char path[512];
            snprintf(path, sizeof path, "%s/%s.img", seed_dir, mode);
            fuzz_image_save(&img, path);
        }
        if (strcmp(mode, "tcache") == 0)
            tcache_count_case(&img);   /* after the seed: it changes the image */
        if (strcmp(mode, "nobrk") == 0)
            guessed_segment_case(&img);
        fuzz_image_free(&img);
    } else {
        check(false, "snapshot of the fixture's memory", mode, 0, 0);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* The reload placement on hand-made arenas: SIZES of in-use chunks
 * (positive) and free chunks (negative), then the top. */
static void placement_case(const char *what, const long long *sizes, size_t n, uint64_t top,
                           uint64_t threshold, const long long want[4])
{
    struct glibc_placement p;
    struct placement_prediction out;
    if (!glibc_placement_begin(&p, 0, threshold, 4096)) {
        check(false, what, "placement", 0, 0);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct glibc_chunk c = { .size = (uint64_t)llabs(sizes[i]),
                                 .cls = sizes[i] > 0 ? CH_IN_USE : CH_LARGE };
        glibc_placement_chunk(&p, &c);
    }
    struct glibc_chunk t = { .size = top, .cls = CH_TOP };
    glibc_placement_chunk(&p, &t);
    bool ok = glibc_placement_predict(&p, 128 * 1024, 4096, &out);
    long long got[4] = { (long long)out.fit_bytes, (long long)out.top_bytes,
                         (long long)out.growth_bytes, (long long)out.mmapped_bytes };
    for (int i = 0; i < 4; i++) {
        static const char *const field[4] = { "into free", "into top", "growth", "mmapped" };
        char name[160];
        snprintf(name, sizeof name, "%s: %s", what, field[i]);
        check(ok && got[i] == want[i], name, "placement", got[i], want[i]);
    }
    glibc_placement_release(&p);
}

static void placement_cases(void)
{
    /* six 16 KiB pool blocks fill one hole exactly, the seventh splits
     * the other */
    const long long blocks[] = { 16400, 16400, 16400, 16400, 16400, 16400, 16400, -98400, -20000 };
    placement_case("pool blocks into holes", blocks, 9, 4096, 131072,
                   (long long[]){ 7 * 16400, 0, 0, 0 });
    /* nothing fits: the top gives all it can keeping a minimal chunk,
     * sbrk the rest with top_pad, page-rounded */
    const long long grow[] = { 16400, 16400, -64 };
    placement_case("growth", grow, 3, 20000, 131072,
                   (long long[]){ 0, 20000 - 32, (32800 - 19968 + 131072 + 4095) / 4096 * 4096, 0 });
    /* tcache-sized exact fits, the rest from the top */
    const long long exact[] = { 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48,
                                -48, -48, -48, -48, -48, -48, -48, -48, -48, -48 };
    placement_case("exact fits", exact, 22, 1000, 131072, (long long[]){ 480, 96, 0, 0 });
    /* best fit takes the biggest first; its remainder is too small for the next */
    const long long big[] = { 2 << 20, 3 << 19, -(3 << 20), (4 << 20) + 16 };
    placement_case("big chunks, one mmapped", big, 4, 4 << 20, 4 << 20,
                   (long long[]){ 2 << 20, 3 << 19, 0, (4 << 20) + 16 });
}

static uint8_t pattern_at(uint64_t addr)
{
    return (uint8_t)((addr * 2654435761u) >> 13);
}

/* A walk through a block cache reading ahead sees the bytes it would
 * without: steps of every size up to half a window, jumps past windows,
 * side-by-side segments read as one range, and a range declared longer
 * than the memory (the helper's read fails; the walk's own reads go on
 * to the end and no further). */
static void stream_cases(void)
{
    enum { MIB = 1 << 20 };
    static const struct { uint64_t addr, len; } at[3] = {
        { 0x10000000, 9 * MIB }, { 0x10000000 + 9 * MIB, 3 * MIB }, { 0x40000000, 5 * MIB + 123 },
    };
    struct image_segment segs[3];
    for (int i = 0; i < 3; i++) {
        uint8_t *d = malloc(at[i].len);
        for (uint64_t k = 0; d && k < at[i].len; k++)
            d[k] = pattern_at(at[i].addr + k);
        segs[i] = (struct image_segment){ at[i].addr, d, d ? at[i].len : 0 };
    }
    struct image img = { segs, 3, NULL, 0 };
    struct mem_reader r = image_reader(&img);
    const struct mem_range ranges[2] = { { at[0].addr, at[1].addr + at[1].len },
                                         { at[2].addr, at[2].addr + at[2].len + 2 * MIB } };
    struct block_cache c;
    long long looked = 0, wrong = 0, unreadable = 0;
    unsigned seed = 7;
    bool ok = block_cache_init(&c, &r);
    if (ok)
        block_cache_stream(&c, ranges, 2);
    for (int k = 0; ok && k < 2; k++)
        for (uint64_t p = ranges[k].lo; p < ranges[k].hi;) {
            seed = seed * 1103515245u + 12345u;
            uint64_t step = 16 + (seed >> 8) % (BLOCK_CACHE_WINDOW / 2 - 32);
            step = k == 0 && (seed & 0xff) == 0 ? 3 * BLOCK_CACHE_WINDOW : step;   /* a jump */
            /* as walk_segment: the chunk and the next one's header */
            size_t need = step < BLOCK_CACHE_WINDOW / 2 ? step + 16 : 16;
            if (ranges[k].hi - p < 16)
                break;
            need = ranges[k].hi - p < need ? ranges[k].hi - p : need;
            const uint8_t *b = block_cache_cover(&c, p, need)
                                   ? block_cache_peek(&c, p, need) : NULL;
            if (!b) {
                unreadable++;
                break;
            }
            for (size_t j = 0; j < 16; j++)
                wrong += (b[j] != pattern_at(p + j)) +
                         (b[need - 16 + j] != pattern_at(p + need - 16 + j));
            looked++;
            p += step;
        }
    bool used = ok && c.ahead_used > 0;
    if (ok) {
        block_cache_stream(&c, NULL, 0);
        block_cache_free(&c);
    }
    check(ok && looked > 40 && wrong == 0, "a walk reading ahead reads what is there",
          "stream", wrong, 0);
    check(used, "windows were read ahead", "stream", used, 1);
    check(unreadable == 1, "a range longer than the memory ends at the memory", "stream",
          unreadable, 1);
    for (int i = 0; i < 3; i++)
        free((void *)segs[i].data);
}

/* Only private anonymous memory is quiet: a shared zone's untouched page
 * would be allocated by a read, a file's would be loaded. */
static void quiet_extent_cases(const char *fixture)
{
    pid_t self = getpid();
    const size_t len = 1 << 20;
    char *priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int fd = open(fixture, O_RDONLY);
    char *file = fd >= 0 ? mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    uint64_t lo = 0, hi = 0, at = (uint64_t)(uintptr_t)priv + 4096;
    bool ok = priv != MAP_FAILED && proc_private_anonymous(self, at, &lo, &hi);
    check(ok && lo <= (uint64_t)(uintptr_t)priv && hi >= (uint64_t)(uintptr_t)priv + len,
          "private anonymous mapping is quiet", "quiet", (long long)(hi - lo), (long long)len);
    uint64_t was_lo = lo, was_hi = hi;
    check(shared != MAP_FAILED &&
          !proc_private_anonymous(self, (uint64_t)(uintptr_t)shared, &lo, &hi),
          "shared anonymous mapping is not quiet", "quiet", 0, 0);
    /* callers keep the last quiet range: a refusal must not replace it */
    check(lo == was_lo && hi == was_hi, "a refused lookup leaves the range as it was",
          "quiet", (long long)(hi - lo), (long long)(was_hi - was_lo));
    check(file != MAP_FAILED && !proc_private_anonymous(self, (uint64_t)(uintptr_t)file, &lo, &hi),
          "file mapping is not quiet", "quiet", 0, 0);
    check(!proc_private_anonymous(self, 4096, &lo, &hi), "unmapped address is not quiet",
          "quiet", 0, 0);
    if (file != MAP_FAILED)
        munmap(file, 4096);
    if (fd >= 0)
        close(fd);
    munmap(priv, len);
    munmap(shared, len);
}

/* The auxiliary vector of the process PID runs FIXTURE in, from
 * /proc/PID/auxv and (with CORE, a gcore of it) from the core's NT_AUXV
 * note, against the fixture's ELF header and where it is mapped. */
static int auxv_cases(pid_t pid, const char *fixture, const char *core)
{
    Elf64_Ehdr eh;
    char real[PATH_MAX];
    FILE *f = fopen(fixture, "rb");
    bool have = f && fread(&eh, sizeof eh, 1, f) == 1;
    if (f)
        fclose(f);
    uint64_t base = have && realpath(fixture, real) ? fuzz_image_mapped_file(pid, real, NULL, 0)
                                                    : 0;
    const uint64_t types[3] = { AT_PHDR, AT_PHNUM, AT_ENTRY };
    const uint64_t want[3] = { base + eh.e_phoff, eh.e_phnum, base + eh.e_entry };
    const char *const names[3] = { "AT_PHDR", "AT_PHNUM", "AT_ENTRY" };
    for (int from_core = 0; from_core <= (core != NULL); from_core++) {
        uint64_t v[3] = { 0, 0, 0 };
        bool ok = have && base &&
                  (from_core ? core_file_auxv(core, types, v, 3) : proc_auxv_values(pid, types, v, 3));
        for (int i = 0; i < 3; i++) {
            char what[96];
            snprintf(what, sizeof what, "%s %s = the fixture's ELF header where it is mapped",
                     from_core ? "core NT_AUXV" : "/proc/PID/auxv", names[i]);
            check(ok && v[i] == want[i], what, "auxv", (long long)v[i], (long long)want[i]);
        }
    }
    return failures != 0;
}


/* A heap whose reachability is known: A (a root points at it) holds an
 * interior pointer into B, B points at D, D at E's header only (the end
 * of the chunk before: no reference), F and G point at each other, a
 * root word points into the container P (never followed), C is free.
 * Reached: A, B, D; leaked: E, F, G; what points at D: B alone. */
static void count_refs(void *arg, uint64_t at, int64_t chunk, int cls)
{
    (void)at, (void)chunk, (void)cls;
    ++*(int *)arg;
}

static void owner_cases(void)
{
    enum { BASE = 0x100000, LEN = 0x1000, A = BASE, B = A + 64, C = B + 64, D = C + 64,
           E = D + 64, F = E + 64, G = F + 64, P = G + 64, TOP = P + 256 };
    static uint8_t mem[LEN];
    memset(mem, 0, sizeof mem);
#define PUT(addr, v) do { uint64_t v_ = (v); memcpy(mem + ((addr) - BASE), &v_, 8); } while (0)
    PUT(A + 16, B + 24);
    PUT(B + 16, D + 16);
    PUT(D + 16, E);
    PUT(F + 16, G + 16);
    PUT(G + 16, F + 16);
#undef PUT
    struct image_segment seg = { BASE, mem, LEN };
    struct image img = { &seg, 1, NULL, 0 };
    struct mem_reader r = image_reader(&img);
    struct heap_index ix = { 0 };
    heap_index_region(&ix, BASE, BASE + LEN);
    bool ok = heap_index_begin(&ix);
    static const struct { uint64_t at, size; bool used; } chunks[] = {
        { A, 64, true }, { B, 64, true }, { C, 64, false }, { D, 64, true }, { E, 64, true },
        { F, 64, true }, { G, 64, true }, { P, 256, true }, { TOP, LEN - (TOP - BASE), false },
    };
    for (size_t i = 0; ok && i < sizeof chunks / sizeof chunks[0]; i++)
        heap_index_add(&ix, chunks[i].at, chunks[i].size, chunks[i].used);
    ok = ok && heap_index_finish(&ix);
    uint64_t start = 0, size = 0;
    int64_t found = ok ? heap_index_find(&ix, B + 40, &start, &size) : -1;
    check(found == 1 && start == B && size == 64, "the chunk index finds an address's chunk",
          "owners", found, 1);
    struct owner_graph g;
    ok = ok && owner_graph_begin(&g, &r, &ix, NULL);
    char err[128];
    if (ok) {
        int root = owner_graph_class(&g, "root", NULL, NULL);
        int pool = owner_graph_class(&g, "pool", NULL, NULL);
        owner_graph_container(&g, pool, P + 16, OT_POOL_BLOCKS);
        uint64_t words[2] = { A + 16, P + 40 };
        owner_graph_words(&g, root, words, 2);
        ok = owner_graph_settle(&g, err, sizeof err);
        owner_graph_finish(&g, NULL, NULL);
        int reached = 0;
        for (uint64_t a = A; a < P; a += 64)
            reached += owner_graph_row_at(&g, a + 16) != 0 &&
                       g.rows[owner_graph_row_at(&g, a + 16)].cls == root;
        check(ok && reached == 3, "A, B and D are the root's (an interior pointer holds B)",
              "owners", reached, 3);
        check(g.leaked_chunks == 3 && g.leaked_bytes == 192,
              "E (its header pointed at), F and G (a ring) are leaked", "owners",
              (long long)g.leaked_chunks, 3);
        int row = owner_graph_row_at(&g, P + 16);
        check(row && g.rows[row].type == OT_POOL_BLOCKS && g.rows[row].cls == pool,
              "the container is its class's, a root word into it takes nothing", "owners",
              row ? g.rows[row].cls : -1, pool);
        int refs = 0;
        owner_graph_refs(&g, D + 16, D + 64, count_refs, &refs, err, sizeof err);
        check(refs == 1, "one word points at D (B's)", "owners", refs, 1);
        refs = 0;
        owner_graph_refs(&g, E + 16, E + 64, count_refs, &refs, err, sizeof err);
        check(refs == 0, "nothing points into E", "owners", refs, 0);
        owner_graph_release(&g);
    } else {
        check(false, "the owner graph begins", "owners", 0, 1);
    }
    heap_index_free(&ix);

    /* claims: kept disjoint, the one starting first keeps an overlap */
    struct heap_claims c = { 0 };
    int x = heap_claims_owner(&c, 'C', CLAIM_PART_CYCLE_POOLS, 1);
    int y = heap_claims_owner(&c, 'o', CLAIM_PART_OTHER_POOLS, 2);
    check(heap_claims_owner(&c, 'C', CLAIM_PART_CYCLE_POOLS, 1) == x, "an owner made twice is one",
          "claims", x, 0);
    heap_claim(&c, 300, 400, y);
    heap_claim(&c, 100, 200, x);
    heap_claim(&c, 150, 350, y);   /* overlaps both */
    size_t cur = 0;
    int at120 = heap_claims_listed_at(&c, 120, &cur), at250 = heap_claims_listed_at(&c, 250, &cur);
    int at390 = heap_claims_listed_at(&c, 390, &cur), at500 = heap_claims_listed_at(&c, 500, &cur);
    cur = 0;
    int again = heap_claims_listed_at(&c, 180, &cur);
    check(at120 == x && at250 == y && at390 == y && at500 == -1 && again == x,
          "claims looked up in and out of address order", "claims", at250, y);
    check(c.n == 3 && c.v[1].start == 200 && c.v[1].end == 350 && c.v[2].start == 350,
          "overlapping claims are cut where the one before ends", "claims", (long long)c.n, 3);
    heap_claims_release(&c);
}

/* LuaJIT's GC objects in a made-up VM of each layout: a GG_State (main
 * thread at its start, the global state after it), a table and a
 * userdata on the root list, one string in a two-slot string table; then
 * the same with the list made hostile: a cycle, a type byte no object
 * has, a size beyond the GC's total. Each walk ends, and the hostile ones
 * say where. The layouts' offsets are lua_gc_layout.c's (measured on the
 * real LuaJIT by lua-gc.exp); what is checked here is the walk. */
enum { LJ_BASE = 0x20000000, LJ_TAB = LJ_BASE + 0x2000, LJ_UD = LJ_BASE + 0x2100,
       LJ_STR = LJ_BASE + 0x2200, LJ_STRTAB = LJ_BASE + 0x2300, LJ_FIN = LJ_BASE + 0x2800,
       LJ_STACK_SLOTS = 10 };
static uint8_t lj_mem[0x3000];

static void lj_put(uint64_t addr, uint64_t v, unsigned n)
{
    memcpy(lj_mem + (addr - LJ_BASE), &v, n);
}

static void lj_object(const struct lj_gc_layout *L, uint64_t addr, uint64_t next, unsigned gct)
{
    lj_put(addr, next, L->ref);
    lj_put(addr + L->o_gct, gct, 1);
}

/* The VM as nginx_lua finds it from its main thread: in layout L */
static struct nginx_lua_vm lj_vm(const struct mem_reader *r, const struct lj_gc_layout *L,
                                 const char *name)
{
    struct nginx_lua_vm vm = { 0 };
    char err[256];
    bool ok = nginx_lua_vm_at(r, LJ_BASE, &vm, err, sizeof err);
    check(ok && vm.gc_layout == L && vm.global == (uint64_t)LJ_BASE + L->gg_g,
          "the VM found from its main thread, in its layout", name, vm.ref_bytes, L->ref);
    return vm;
}

static void lua_gc_case(const struct lj_gc_layout *L, const char *name, int hostile)
{
    const uint64_t g = LJ_BASE + L->gg_g;
    memset(lj_mem, 0, sizeof lj_mem);
    /* where it is a GC root, ffi.gc's finalizer table: its own metatable */
    bool fin_root = L->gcroots > GCROOT_MAX;
    lj_object(L, LJ_BASE, fin_root ? LJ_FIN : LJ_TAB, 6);   /* main thread */
    if (fin_root) {
        lj_object(L, LJ_FIN, LJ_TAB, 11);
        lj_put(LJ_FIN + L->tab_metatable, LJ_FIN, L->ref);
        lj_put(g + L->g_gcroot + GCROOT_FFI_FINALIZER * L->ref, LJ_FIN, L->ref);
    }
    lj_put(LJ_BASE + L->th_glref, g, L->ref);
    lj_put(LJ_BASE + L->th_stacksize, LJ_STACK_SLOTS, 4);
    lj_object(L, LJ_TAB, LJ_UD, hostile == 2 ? 99 : 11);    /* table, no parts */
    lj_object(L, LJ_UD, hostile == 1 ? LJ_TAB : 0, 12);     /* userdata of 10 bytes */
    lj_put(LJ_UD + L->ud_len, hostile == 3 ? 0xffffffffu : 10, 4);
    lj_object(L, LJ_STR, 0, 4);                             /* "hello" */
    lj_put(LJ_STR + L->str_len, 5, 4);
    lj_put(LJ_STRTAB, LJ_STR, L->ref);
    lj_put(LJ_STRTAB + L->ref, 1, L->ref);                  /* empty, secondary-hash bit */
    uint64_t objects = (fin_root ? 2u : 1u) * L->tab_bytes + (L->ud_bytes + 10u) +
                       (L->str_bytes + 5u + 1) + LJ_STACK_SLOTS * 8;
    uint64_t total = L->gg_bytes + objects + 2 * L->ref;
    lj_put(g + L->g_gc_total, total, L->ref);
    lj_put(g + L->g_gc_root, LJ_BASE, L->ref);
    lj_put(g + L->g_str_tab, LJ_STRTAB, 8);
    lj_put(g + L->g_str_mask, 1, 4);
    lj_put(g + L->g_str_num, 1, 4);
    lj_put(g + L->g_mainthref, LJ_BASE, L->ref);
    struct image_segment seg = { LJ_BASE, lj_mem, sizeof lj_mem };
    struct image img = { &seg, 1, NULL, 0 };
    struct mem_reader r = image_reader(&img);
    struct nginx_lua_vm vm = lj_vm(&r, L, name);
    static struct lua_gc_census c;
    char err[256];
    bool ok = lua_gc_census(&r, &vm, 3, &c, err, sizeof err);
    check(ok, "the census runs", name, ok, 1);
    if (!hostile) {
        check(c.object_bytes == objects, "objects' bytes", name, (long long)c.object_bytes,
              (long long)objects);
        check(c.other_bytes == 0 && !c.inconsistency[0], "nothing listed nowhere", name,
              (long long)c.other_bytes, 0);
        check(c.type[LUA_GC_STRING].count == 1 &&
              c.type[LUA_GC_USERDATA].bytes == L->ud_bytes + 10u,
              "a string and a userdata of 10 bytes", name,
              (long long)c.type[LUA_GC_USERDATA].bytes, L->ud_bytes + 10);
    } else
        check(c.inconsistency[0] != 0, "the hostile list is said", name,
              c.inconsistency[0] != 0, 1);
    if (hostile == 1)   /* found as a cycle, not by running out of the total's budget */
        check(strstr(c.inconsistency, "cycles") != NULL, "the cycle is said", name,
              strstr(c.inconsistency, "cycles") != NULL, 1);
}

/* A TValue of the object at ADDR of type GCT: its itype above its address */
static uint64_t lj_tvalue(const struct lj_gc_layout *L, uint64_t addr, unsigned gct)
{
    return addr | (uint64_t)(uint32_t)~gct << L->tv_bits;
}

/* Paths in the good VM of lua_gc_case: its main thread's globals hold
 * "hello" = the table, whose array's [1] is the userdata, whose
 * metatable is the globals again (a cycle); the string metatable is held
 * by the GC's own roots alone; the string table is no object (no path). */
static void lua_gc_path_case(const struct lj_gc_layout *L, const char *name)
{
    enum { G_TAB = LJ_BASE + 0x2400, G_NODE = LJ_BASE + 0x2500, ARRAY = LJ_BASE + 0x2600,
           STR_MT = LJ_BASE + 0x2700 };
    lj_object(L, STR_MT, 0, 11);
    lj_put(LJ_BASE + L->gg_g + L->g_gcroot + (GCROOT_BASEMT + 4) * L->ref, STR_MT, L->ref);
    lj_put(LJ_BASE + L->th_env, G_TAB, L->ref);                  /* L->env */
    lj_object(L, G_TAB, 0, 11);
    lj_put(G_TAB + L->tab_node, G_NODE, L->ref);                 /* two nodes, one nil */
    lj_put(G_TAB + L->tab_hmask, 1, 4);
    lj_put(G_NODE + 24, ~(uint64_t)0, 8);
    lj_put(G_NODE, lj_tvalue(L, LJ_TAB, 11), 8);
    lj_put(G_NODE + 8, lj_tvalue(L, LJ_STR, 4), 8);
    memcpy(lj_mem + (LJ_STR + L->str_bytes - LJ_BASE), "hello", 5);
    lj_put(LJ_TAB + L->tab_array, ARRAY, L->ref);
    lj_put(LJ_TAB + L->tab_asize, 2, 4);
    lj_put(ARRAY, ~(uint64_t)0, 8);                              /* nil */
    lj_put(ARRAY + 8, lj_tvalue(L, LJ_UD, 12), 8);
    lj_put(LJ_UD + L->ud_metatable, G_TAB, L->ref);              /* its metatable */
    struct image_segment seg = { LJ_BASE, lj_mem, sizeof lj_mem };
    struct image img = { &seg, 1, NULL, 0 };
    struct mem_reader r = image_reader(&img);
    struct nginx_lua_vm vm = lj_vm(&r, L, name);
    uint64_t targets[] = { LJ_UD, LJ_TAB, LJ_STRTAB, LJ_UD, STR_MT, LJ_FIN };
    static char paths[6][LUA_GC_PATH];
    struct lua_gc_path_search s;
    char err[256];
    bool ok = lua_gc_paths(&r, &vm, targets, 6, paths, &s, err, sizeof err);
    check(ok && strcmp(paths[0], "_G.hello[1]") == 0 && strcmp(paths[3], paths[0]) == 0,
          "the userdata: _G.hello[1] (asked twice, both found)", name, ok, 1);
    check(strcmp(paths[1], "_G.hello") == 0 && paths[2][0] == 0,
          "the table: _G.hello; no object: no path", name, paths[2][0], 0);
    check(!s.inconsistency[0] && !s.limited, "the cycle through the metatable ends the search",
          name, s.inconsistency[0], 0);
    check(strcmp(paths[4], "[string metatable]") == 0, "a GC root: [string metatable]", name,
          (long long)strlen(paths[4]), 18);
    if (L->gcroots > GCROOT_MAX)
        check(strcmp(paths[5], "[ffi finalizer table]") == 0,
              "the finalizer table's GC root: [ffi finalizer table]", name,
              (long long)strlen(paths[5]), 21);
}

/* The made-up VM as nginx-fuzz's seed SEED_DIR/NAME.img: its main thread
 * named by the symbol lua_State (no nginx around it) */
static void lua_gc_seed(const char *seed_dir, const char *name)
{
    static struct fuzz_image img;
    char path[512];
    memset(&img, 0, sizeof img);
    img.segs[0] = (struct image_segment){ LJ_BASE, lj_mem, sizeof lj_mem };
    img.syms[0] = (struct image_symbol){ "lua_State", LJ_BASE };
    img.image = (struct image){ img.segs, 1, img.syms, 1 };
    snprintf(path, sizeof path, "%s/%s.img", seed_dir, name);
    check(fuzz_image_save(&img, path), "the VM saved as a seed", name, 0, 1);
}

/* Each case in each layout (prefixed: the finalizer table a GC root, GC64, 32-bit
 * references); the good VM with its paths a seed in SEED_DIR (may be NULL) */
static void lua_gc_cases(const char *seed_dir)
{
    /* in lj_gc_layouts' order */
    static const struct { const char *prefix, *seed; } layouts[LJ_GC_LAYOUTS] = {
        { "lua-gc fin-root", "lua-gc64-fin" }, { "lua-gc", "lua-gc64" },
        { "lua-gc ref32", "lua-ref32" },
    };
    static const char *const hostile[] = { "", " cycle", " bad type", " huge size" };
    for (size_t i = 0; i < LJ_GC_LAYOUTS; i++) {
        const struct lj_gc_layout *L = lj_gc_layouts[i];
        char name[64];
        for (int h = 0; h < 4; h++) {
            snprintf(name, sizeof name, "%s%s", layouts[i].prefix, hostile[h]);
            lua_gc_case(L, name, h);
            if (h == 0) {
                snprintf(name, sizeof name, "%s paths", layouts[i].prefix);
                lua_gc_path_case(L, name);
                if (seed_dir)
                    lua_gc_seed(seed_dir, layouts[i].seed);
            }
        }
    }
}

/* LuaJIT's allocator in a made-up 16 KiB segment: its malloc_state's
 * chunk, a 48-byte chunk in use, a free one of 8,256 bytes (a whole page
 * inside it), a 32-byte one in use, the top and its 64-byte foot; then the
 * free chunk's size made to run past the segment: the walk stops there
 * and says so. */
enum { LA_BASE = 0x30000000, LA_SIZE = 16384, LA_MS = LA_BASE + 16, LA_TOP = LA_BASE + 9216 };
static uint8_t la_mem[LA_SIZE];

static void la_put(uint64_t addr, uint64_t v)
{
    memcpy(la_mem + (addr - LA_BASE), &v, 8);
}

static void lua_alloc_case(const char *name, bool hostile)
{
    memset(la_mem, 0, sizeof la_mem);
    la_put(LA_BASE + 8, 880 | 3);                        /* the malloc_state's chunk */
    la_put(LA_BASE + 880 + 8, 48 | 3);
    la_put(LA_BASE + 928 + 8, hostile ? 0x100000 | 1 : 8256 | 1);
    la_put(LA_BASE + 9184 + 8, 32 | 2);
    la_put(LA_TOP + 8, (LA_SIZE - 9216 - 64) | 1);
    la_put(LA_MS + 16, LA_SIZE - 9216 - 64);             /* topsize */
    la_put(LA_MS + 32, LA_TOP);                          /* top */
    la_put(LA_MS + 840, LA_BASE);                        /* seg: base, size, next */
    la_put(LA_MS + 848, LA_SIZE);
    struct image_segment seg = { LA_BASE, la_mem, sizeof la_mem };
    struct image img = { &seg, 1, NULL, 0 };
    struct mem_reader r = image_reader(&img);
    struct nginx_lua_vm vm = { .allocd = LA_MS, .layout = "LuaJIT 2.1 GC64", .ref_bytes = 8 };
    static struct lua_alloc_stats a;
    char err[256];
    bool ok = lua_alloc_walk(&r, &vm, &a, err, sizeof err);
    check(ok, "the allocator walk runs", name, ok, 1);
    if (!hostile) {
        check(a.in_use_count == 3 && a.in_use_bytes == 960, "3 chunks in use, 960 bytes", name,
              (long long)a.in_use_bytes, 960);
        check(a.free_count == 1 && a.free_bytes == 8256 && a.free_by_size[8].count == 1,
              "one free chunk of 8,256 bytes, in [8 KiB, 16 KiB)", name,
              (long long)a.free_bytes, 8256);
        check(a.top_bytes == LA_SIZE - 9216 - 64 && a.overhead_bytes == 64,
              "the top and its 64-byte foot", name, (long long)a.overhead_bytes, 64);
        check(a.returnable_bytes == 4096, "the whole page inside the free chunk", name,
              (long long)a.returnable_bytes, 4096);
    } else
        check(a.inconsistency[0] && a.free_count == 0 && a.in_use_count == 2,
              "the size past the segment stops the walk, said", name, a.inconsistency[0] != 0,
              1);
}

static void lua_alloc_cases(void)
{
    lua_alloc_case("lua-alloc", false);
    lua_alloc_case("lua-alloc size past its segment", true);
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--auxv") == 0)
        return auxv_cases((pid_t)atol(argv[2]), argv[3], argc > 4 ? argv[4] : NULL);
    placement_cases();
    if (argc < 2) {
        fprintf(stderr, "usage: glibc-unit HEAP-FIXTURE [SEED-DIR]\n"
                        "       glibc-unit --auxv PID FIXTURE [CORE]\n");
        return 2;
    }
    quiet_extent_cases(argv[1]);
    stream_cases();
    owner_cases();
    lua_gc_cases(argc > 2 ? argv[2] : NULL);
    lua_alloc_cases();
    const char *modes[] = { "mixed", "threads", "mmapped", "nobrk", "tcache" };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        run_mode(argv[1], modes[i], argc > 2 ? argv[2] : NULL);
    return failures != 0;
}
