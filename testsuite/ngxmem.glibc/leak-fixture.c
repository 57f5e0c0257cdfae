/* Leaks whose truth is known: chunks whose pointers were dropped, rings
 * of chunks that only point at each other (both leaked), and chunks held
 * only by a global, only through an interior pointer, only by another
 * thread's stack, only through a list on the heap (none leaked). Each
 * group has a chunk size of its own; the fixture prints every group's
 * chunk size and count ("leaked SIZE COUNT", "held SIZE COUNT"), then
 * then one chunk of each kind to ask glibc-chunk-refs about ("dropped
 * ADDR", "ring", "global", "interior", "stack", "list-tail": the list's
 * far end, as many steps from its head as the list is long), then
 * "ready", and waits. Nothing else in the process leaks. Addresses are
 * printed as text: no word of the process holds them for it.
 *   leak-fixture [SCALE]   (groups SCALE times as big; default 1) */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Request sizes whose chunks differ: 40 -> 48, 72 -> 80, 100 -> 112,
 * 130 -> 144, 200 -> 208, 300 -> 304 bytes. */
enum { DROPPED = 40, RING = 72, GLOBAL = 100, INTERIOR = 130, STACK = 200, LIST = 300 };

/* not static: the compiler keeps stores to what others may read */
void *held_by_global[1000];
char *held_inside[1000];              /* each points 24 bytes into its chunk */
void *list_head;

static size_t chunk_of(size_t request)
{
    void *p = malloc(request);
    size_t n = malloc_usable_size(p) + 8;
    free(p);
    return n;
}

/* Keep what the compiler would otherwise prove dead. */
static void keep(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* The first chunk of the dropped and ring groups, as a number that is no
 * pointer (its bits turned): printed, never held. */
static uintptr_t first_dropped, first_ring, first_stack;

__attribute__((noinline)) static void drop(int n)
{
    for (int i = 0; i < n; i++) {
        char *p = malloc(DROPPED);
        memset(p, 0x11, DROPPED);
        if (!i)
            first_dropped = ~(uintptr_t)p;
        keep(p);
    }
}

__attribute__((noinline)) static void rings(int n)
{
    for (int r = 0; r < n; r++) {
        void **a = malloc(RING), **b = malloc(RING), **c = malloc(RING);
        memset(a, 0, RING);
        memset(b, 0, RING);
        memset(c, 0, RING);
        a[0] = b;
        b[0] = c;
        c[0] = a;
        if (!r)
            first_ring = ~(uintptr_t)a;
        keep(a);
    }
}

__attribute__((noinline)) static void globals(int n)
{
    for (int i = 0; i < n; i++) {
        held_by_global[i] = malloc(GLOBAL);
        memset(held_by_global[i], 0x22, GLOBAL);
        char *p = malloc(INTERIOR);
        memset(p, 0x33, INTERIOR);
        held_inside[i] = p + 24;
    }
}

__attribute__((noinline)) static void list(int n)
{
    for (int i = 0; i < n; i++) {
        void **node = malloc(LIST);
        memset(node, 0x44, LIST);
        node[0] = list_head;
        list_head = node;
    }
}

/* In a function of its own: what it held is gone from the frames and
 * registers main keeps once it returns. */
__attribute__((noinline)) static void report_chunks(void)
{
    void **tail = list_head;
    while (tail[0])
        tail = tail[0];
    printf("dropped 0x%lx\n", (unsigned long)~first_dropped);
    printf("ring 0x%lx\n", (unsigned long)~first_ring);
    printf("global %p\n", held_by_global[0]);
    printf("interior %p\n", (void *)(held_inside[0] - 24));
    printf("stack 0x%lx\n", (unsigned long)~first_stack);
    printf("list-tail %p\n", (void *)tail);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int thread_ready;

/* Its chunks are held by its stack alone while it waits. */
static void *holder(void *arg)
{
    int n = *(int *)arg;
    void *volatile mine[1000];
    for (int i = 0; i < n; i++) {
        mine[i] = malloc(STACK);
        memset(mine[i], 0x55, STACK);
    }
    first_stack = ~(uintptr_t)mine[0];
    pthread_mutex_lock(&lock);
    thread_ready = 1;
    pthread_cond_broadcast(&cond);
    for (;;)
        pthread_cond_wait(&cond, &lock);
    return NULL;
}

int main(int argc, char **argv)
{
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    if (scale < 1 || scale > 10)
        scale = 1;
    int dropped = 100 * scale, ring_count = 10 * scale, global = 50 * scale,
        stack = 20 * scale, listed = 40 * scale;
    setvbuf(stdout, NULL, _IOLBF, 0);
    drop(dropped);
    rings(ring_count);
    globals(global);
    list(listed);
    static int stack_n;
    stack_n = stack;
    pthread_t t;
    pthread_create(&t, NULL, holder, &stack_n);
    pthread_mutex_lock(&lock);
    while (!thread_ready)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    report_chunks();
    printf("leaked %zu %d\n", chunk_of(DROPPED), dropped);
    printf("leaked %zu %d\n", chunk_of(RING), 3 * ring_count);
    printf("held %zu %d\n", chunk_of(GLOBAL), global);
    printf("held %zu %d\n", chunk_of(INTERIOR), global);
    printf("held %zu %d\n", chunk_of(STACK), stack);
    printf("held %zu %d\n", chunk_of(LIST), listed);
    printf("ready\n");
    for (;;)
        pause();
}
