/* Heaps of the shapes users inspect, for bench/run-bench: builds one,
 * prints "ready PID", then waits to be inspected.
 *   heap-bench SHAPE [CHUNKS]
 * Shapes (CHUNKS defaults to each shape's own count):
 *   mixed       3M chunks of 24..280 bytes, every third freed
 *   large       a few thousand free chunks of 64-120 KiB between in-use ones
 *   fragmented  2.4M chunks of 24..1,400 bytes; every other one freed, half
 *               of those sorted into the small and large bins, half left in
 *               the unsorted list (none can coalesce)
 *   unsorted    2M chunks, every other one freed in random order: one long
 *               unsorted list that jumps around the heap
 *   tcache-fast 2M chunks of 24..120 bytes, every other one freed in random
 *               order; run with GLIBC_TUNABLES=glibc.malloc.tcache_count=65535
 *               for long tcache lists, the rest go to the fastbins
 *   arenas      64 threads, each with its own arena of fragmented chunks
 *   noncontig   the main arena's brk blocked: it grows by mmap, and the
 *               heap is many separate segments */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned lcg(unsigned *r)
{
    *r = *r * 1103515245u + 12345u;
    return *r >> 8;
}

static void **alloc_all(long n, size_t lo, size_t span, unsigned seed)
{
    void **p = mmap(NULL, (size_t)n * sizeof *p, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    for (long i = 0; i < n; i++)
        p[i] = malloc(lo + lcg(&seed) % span);
    return p;
}

/* The pointer arrays go once used: the heap's segments are then the only
 * big anonymous memory, what the raw read reads. */
static void drop(void **p, long n)
{
    munmap(p, (size_t)n * sizeof *p);
}

/* Free every STEP-th chunk from FIRST in an order no walk can predict. */
static void free_shuffled(void **p, long n, long first, long step, unsigned seed)
{
    long m = (n - first + step - 1) / step;
    long *order = mmap(NULL, (size_t)m * sizeof *order, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long i = 0; i < m; i++)
        order[i] = first + i * step;
    for (long i = m - 1; i > 0; i--) {
        long j = (long)(lcg(&seed) % (unsigned)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (long i = 0; i < m; i++)
        free(p[order[i]]);
    munmap(order, (size_t)m * sizeof *order);
}

/* malloc takes at most 10,000 chunks off the unsorted list per call and
 * sorts them into their bins: ask for a size no free chunk has until the
 * list is empty. */
static void sort_unsorted(long n)
{
    for (long i = 0; i < n / 10000 + 2; i++) {
        void *volatile q = malloc(100000);   /* volatile: GCC drops free(malloc()) */
        free(q);
    }
}

static void fragmented(long n)
{
    void **p = alloc_all(n, 24, 1400, 1);
    free_shuffled(p, n, 0, 4, 2);
    sort_unsorted(n / 4);
    free_shuffled(p, n, 2, 4, 3);
    drop(p, n);
}

static long thread_chunks;

static void *arena_thread(void *arg)
{
    pthread_barrier_t *ready = arg;
    void **p = alloc_all(thread_chunks, 24, 600, (unsigned)pthread_self());
    free_shuffled(p, thread_chunks, 0, 2, 5);
    drop(p, thread_chunks);
    pthread_barrier_wait(ready);
    for (;;)
        pause();
    return NULL;
}

static void arenas(long n)
{
    enum { THREADS = 64 };
    static pthread_barrier_t ready;
    mallopt(M_ARENA_MAX, THREADS + 1);
    thread_chunks = n / THREADS;
    pthread_barrier_init(&ready, NULL, THREADS + 1);
    for (int i = 0; i < THREADS; i++) {
        pthread_t t;
        pthread_create(&t, NULL, arena_thread, &ready);
    }
    pthread_barrier_wait(&ready);
}

static void noncontig(long n)
{
    free(malloc(64));
    char *brk_end = sbrk(0);
    uintptr_t page = ((uintptr_t)brk_end + 4095) & ~(uintptr_t)4095;
    if (mmap((void *)page, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
             -1, 0) == MAP_FAILED) {
        perror("mmap at the break");
        exit(1);
    }
    void **p = alloc_all(n, 24, 600, 7);
    free_shuffled(p, n, 0, 2, 8);
    drop(p, n);
}

int main(int argc, char **argv)
{
    const char *shape = argc > 1 ? argv[1] : "mixed";
    long n = argc > 2 ? atol(argv[2]) : 0;
    if (!strcmp(shape, "mixed")) {
        n = n ? n : 3000000;
        void **p = alloc_all(n, 24, 256, 1);
        for (long i = 0; i < n; i += 3)
            free(p[i]);
        drop(p, n);
    } else if (!strcmp(shape, "large")) {
        n = n ? n : 6000;
        void **p = alloc_all(n, 64 << 10, 56 << 10, 1);
        free_shuffled(p, n, 0, 2, 2);
        drop(p, n);
    } else if (!strcmp(shape, "fragmented")) {
        fragmented(n ? n : 2400000);
    } else if (!strcmp(shape, "unsorted")) {
        n = n ? n : 2000000;
        void **p = alloc_all(n, 24, 600, 1);
        free_shuffled(p, n, 0, 2, 2);
        drop(p, n);
    } else if (!strcmp(shape, "tcache-fast")) {
        n = n ? n : 2000000;
        void **p = alloc_all(n, 24, 97, 1);
        free_shuffled(p, n, 0, 2, 2);
        drop(p, n);
    } else if (!strcmp(shape, "arenas")) {
        arenas(n ? n : 1280000);
    } else if (!strcmp(shape, "noncontig")) {
        noncontig(n ? n : 1500000);
    } else {
        fprintf(stderr, "heap-bench: unknown shape %s\n", shape);
        return 2;
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;)
        pause();
}
