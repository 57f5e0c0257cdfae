/* alloc-tracer.so: an LD_PRELOAD library that records every live glibc
 * heap chunk with the stack that allocated it, the independent ground
 * truth behind `trace-attribution` (see that script).
 *
 *   gcc -std=gnu11 -O2 -Wall -Wextra -shared -fPIC -o alloc-tracer.so \
 *       alloc_tracer.c -ldl -pthread
 *   LD_PRELOAD=$PWD/alloc-tracer.so NGXMEM_TRACE_DIR=DIR nginx ...
 *   kill -s RTMIN+4 PID      -> DIR/trace.PID
 *
 * It interposes malloc, calloc, realloc, reallocarray, free,
 * posix_memalign, memalign, aligned_alloc, valloc and pvalloc and calls
 * glibc's __libc_* entry points. For each live chunk it keeps the user
 * address, the chunk size (glibc's size field at p-8 & ~7), that field's
 * three flag bits (2: mmapped) and up to 16 return addresses, starting at
 * the allocator's caller.
 *
 * The table is in memory from mmap, never from malloc, and holds every
 * heap address XOR MASK, so that a conservative scanner of the process
 * (ngxmem's owner graph scans anonymous mappings) finds no pointer to the
 * heap in it. The table is an open-addressing hash (linear probing,
 * backward-shift deletion), grown by mmap'ing one twice as big.
 *
 * On SIGRTMIN+4 (installed only when NGXMEM_TRACE_DIR is set) it writes
 * DIR/.trace.PID.tmp then renames it to DIR/trace.PID:
 *     maps
 *     <the process's /proc/self/maps, verbatim>
 *     end maps
 *     ADDR SIZE FLAGS RA1 RA2 ...        (hex, one line a live chunk)
 *     end N
 * with only async-signal-safe calls (open, read, write, rename, close,
 * getpid). A signal that arrives while its thread is inside a hook is
 * deferred to the end of that hook. Nothing is resolved in the process.
 *
 * Allocations made while a hook is already running on the thread (the
 * unwinder's own, the constructor's warm-up of backtrace(), those before
 * the constructor ran) are recorded without a stack. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MASK 0xa5a5a5a5a5a5a5a5ull
#define MAX_RA 16
#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

struct entry {
    uint64_t key;      /* user address ^ MASK; 0: empty */
    uint64_t size;     /* glibc's size field, all bits */
    uint32_t nra, pad;
    uint64_t ra[MAX_RA];
};

static struct entry *table;
static uint64_t cap, count;   /* cap a power of two */
static int cap_bits;

/* a spin lock the owning thread may take again (the owner is the address
 * of a thread-local variable) */
static atomic_uintptr_t lock_owner;
static unsigned lock_depth;
static TLS int in_hook;       /* hooks running on this thread */
static TLS char thread_tag;

static atomic_int dump_pending;
static volatile sig_atomic_t ready;
static char trace_dir[4096];
static int trace_sig;

static void lock(void)
{
    uintptr_t me = (uintptr_t)&thread_tag;
    if (atomic_load_explicit(&lock_owner, memory_order_relaxed) == me) {
        lock_depth++;
        return;
    }
    for (;;) {
        uintptr_t free_ = 0;
        if (atomic_compare_exchange_weak_explicit(&lock_owner, &free_, me, memory_order_acquire,
                                                  memory_order_relaxed))
            break;
        __builtin_ia32_pause();
    }
    lock_depth = 1;
}

static void unlock(void)
{
    if (--lock_depth == 0)
        atomic_store_explicit(&lock_owner, 0, memory_order_release);
}

/* ---- the table ------------------------------------------------------- */

static uint64_t home(uint64_t key)
{
    return (((key ^ MASK) >> 4) * 0x9e3779b97f4a7c15ull) >> (64 - cap_bits);
}

static struct entry *map_table(uint64_t n)
{
    void *p = mmap(NULL, n * sizeof(struct entry), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void put(struct entry *t, uint64_t mask, const struct entry *e)
{
    uint64_t i = home(e->key);
    while (t[i].key && t[i].key != e->key)
        i = (i + 1) & mask;
    if (!t[i].key)
        count++;
    t[i] = *e;
}

static bool grow(void)
{
    uint64_t ncap = cap ? cap * 2 : 1u << 16;
    struct entry *nt = map_table(ncap), *old = table;
    if (!nt)
        return false;
    uint64_t ocap = cap;
    cap = ncap;
    cap_bits = __builtin_ctzll(ncap);
    table = nt;
    count = 0;
    for (uint64_t i = 0; i < ocap; i++)
        if (old[i].key)
            put(nt, ncap - 1, &old[i]);
    if (old)
        munmap(old, ocap * sizeof(struct entry));
    return true;
}

static void record(void *p, void *const *ra, int nra)
{
    if (!p)
        return;
    if ((count + 1) * 2 > cap && !grow())
        return;   /* out of memory: the chunk goes unrecorded */
    struct entry e;
    e.key = (uint64_t)(uintptr_t)p ^ MASK;
    e.size = ((const uint64_t *)p)[-1];
    e.nra = nra > 0 ? (uint32_t)nra : 0;
    e.pad = 0;
    for (int k = 0; k < MAX_RA; k++)
        e.ra[k] = k < nra ? (uint64_t)(uintptr_t)ra[k] : 0;
    put(table, cap - 1, &e);
}

static void forget(void *p)
{
    if (!p || !cap)
        return;
    uint64_t key = (uint64_t)(uintptr_t)p ^ MASK, mask = cap - 1;
    uint64_t i = home(key);
    while (table[i].key != key) {
        if (!table[i].key)
            return;
        i = (i + 1) & mask;
    }
    /* backward-shift deletion */
    for (uint64_t j = i;;) {
        j = (j + 1) & mask;
        if (!table[j].key)
            break;
        uint64_t k = home(table[j].key);
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        table[i] = table[j];
        i = j;
    }
    table[i].key = 0;
    count--;
}

/* ---- the dump (async-signal-safe) ----------------------------------- */

static char out[65536];
static size_t out_n;
static int out_fd;

static void flush(void)
{
    for (size_t off = 0; off < out_n;) {
        ssize_t w = write(out_fd, out + off, out_n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    out_n = 0;
}

static void put_bytes(const char *s, size_t n)
{
    while (n) {
        size_t room = sizeof out - out_n, k = n < room ? n : room;
        memcpy(out + out_n, s, k);
        out_n += k;
        s += k;
        n -= k;
        if (out_n == sizeof out)
            flush();
    }
}

static void put_str(const char *s)
{
    put_bytes(s, strlen(s));
}

static void put_hex(uint64_t v)
{
    char b[17];
    int n = 0;
    do {
        b[16 - n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    put_bytes(b + 17 - n, (size_t)n);
}

static size_t fmt_dec(char *b, uint64_t v)
{
    char t[24];
    size_t n = 0, k = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        b[k++] = t[--n];
    b[k] = 0;
    return k;
}

static void dump(void)
{
    char tmp[4200], fin[4200], pid[24];
    size_t d = strlen(trace_dir);
    if (d + 40 > sizeof tmp)
        return;
    fmt_dec(pid, (uint64_t)getpid());
    memcpy(tmp, trace_dir, d);
    strcpy(tmp + d, "/.trace.");
    strcat(tmp, pid);
    strcat(tmp, ".tmp");
    memcpy(fin, trace_dir, d);
    strcpy(fin + d, "/trace.");
    strcat(fin, pid);
    out_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0)
        return;
    out_n = 0;
    put_str("maps\n");
    int m = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (m >= 0) {
        char b[4096];
        for (;;) {
            ssize_t r = read(m, b, sizeof b);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            put_bytes(b, (size_t)r);
        }
        close(m);
    }
    put_str("end maps\n");
    uint64_t n = 0;
    for (uint64_t i = 0; i < cap; i++) {
        const struct entry *e = &table[i];
        if (!e->key)
            continue;
        put_hex(e->key ^ MASK);
        put_str(" ");
        put_hex(e->size & ~7ull);
        put_str(" ");
        put_hex(e->size & 7);
        for (uint32_t k = 0; k < e->nra; k++) {
            put_str(" ");
            put_hex(e->ra[k]);
        }
        put_str("\n");
        n++;
    }
    char num[24];
    put_str("end ");
    fmt_dec(num, n);
    put_str(num);
    put_str("\n");
    flush();
    close(out_fd);
    rename(tmp, fin);
}

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    if (in_hook) {
        atomic_store(&dump_pending, 1);   /* at the end of this hook */
    } else {
        lock();
        dump();
        unlock();
    }
    errno = saved;
}

/* ---- the hooks -------------------------------------------------------- */

struct hook {
    void *ra[MAX_RA];
    int nra;
};

/* Enter a hook called from CALLER: take the stack (not when nested, nor
 * before the constructor ran), then the lock. */
static inline __attribute__((always_inline)) void enter(struct hook *h, void *caller)
{
    h->nra = 0;
    if (in_hook++ == 0 && ready) {
        void *bt[MAX_RA + 8];
        int n = backtrace(bt, MAX_RA + 8), k = 0;
        while (k < n && bt[k] != caller)
            k++;
        if (k == n)   /* the caller not found: keep the whole stack */
            k = 0;
        for (; k < n && h->nra < MAX_RA; k++)
            h->ra[h->nra++] = bt[k];
    }
    lock();
}

static inline __attribute__((always_inline)) void leave(void)
{
    unlock();
    if (--in_hook == 0 && atomic_exchange(&dump_pending, 0)) {
        lock();
        dump();
        unlock();
    }
}

#define CALLER __builtin_extract_return_addr(__builtin_return_address(0))

/* The body of every allocating hook: CALL made with the stack taken from
 * the hook's caller; what it returns is recorded. */
#define TRACED(call)                  \
    ({                                \
        struct hook h_;               \
        enter(&h_, CALLER);           \
        void *p_ = (call);            \
        record(p_, h_.ra, h_.nra);    \
        leave();                      \
        p_;                           \
    })

/* realloc and reallocarray: the old chunk goes when glibc moved or freed it */
static inline __attribute__((always_inline)) void *traced_realloc(void *old, size_t n,
                                                                  void *caller)
{
    struct hook h;
    enter(&h, caller);
    void *p = __libc_realloc(old, n);
    if (p) {
        forget(old);
        record(p, h.ra, h.nra);
    } else if (old && n == 0) {
        forget(old);   /* glibc freed it */
    }
    leave();
    return p;
}

EXPORT void *malloc(size_t n)
{
    return TRACED(__libc_malloc(n));
}

EXPORT void *calloc(size_t a, size_t b)
{
    return TRACED(__libc_calloc(a, b));
}

EXPORT void *realloc(void *old, size_t n)
{
    return traced_realloc(old, n, CALLER);
}

EXPORT void *reallocarray(void *old, size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    return traced_realloc(old, n, CALLER);
}

EXPORT void free(void *p)
{
    if (!p)
        return;
    in_hook++;   /* no stack needed */
    lock();
    forget(p);
    __libc_free(p);
    leave();
}

EXPORT int posix_memalign(void **res, size_t align, size_t n)
{
    if (align % sizeof(void *) || (align & (align - 1)) || !align)
        return EINVAL;
    int saved = errno;
    void *p = TRACED(__libc_memalign(align, n));
    if (!p)
        return ENOMEM;
    errno = saved;
    *res = p;
    return 0;
}

EXPORT void *memalign(size_t align, size_t n)
{
    return TRACED(__libc_memalign(align, n));
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    if (!align || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    return TRACED(__libc_memalign(align, n));
}

EXPORT void *valloc(size_t n)
{
    return TRACED(__libc_valloc(n));
}

EXPORT void *pvalloc(size_t n)
{
    return TRACED(__libc_pvalloc(n));
}

/* ---- set up ------------------------------------------------------------ */

static void fork_prepare(void)
{
    in_hook++;
    lock();
}

static void fork_parent(void)
{
    unlock();
    in_hook--;
}

static void fork_child(void)
{
    /* one thread now: whatever lock state the parent's other threads
     * left is gone with them */
    atomic_store(&lock_owner, 0);
    lock_depth = 0;
    in_hook--;
}

__attribute__((constructor)) static void tracer_init(void)
{
    void *warm[4];
    in_hook++;   /* backtrace's first call loads libgcc_s (and mallocs) */
    backtrace(warm, 4);
    in_hook--;
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    const char *dir = getenv("NGXMEM_TRACE_DIR");
    if (dir && *dir && strlen(dir) < sizeof trace_dir) {
        strcpy(trace_dir, dir);
        trace_sig = SIGRTMIN + 4;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(trace_sig, &sa, NULL);
    }
    ready = 1;
}
