/* Builds a known glibc heap, prints glibc's own truth about it, then waits
 * for GDB. Modes:
 *   mixed    N mixed-size allocations, every other one freed
 *   threads  4 threads, each with its own arena, doing "mixed"
 *   mmapped  large allocations served by mmap
 *   nobrk    brk made unavailable first: a non-contiguous main arena
 *   tcache   small frees filling tcache bins and fastbins
 *   corrupt  "mixed", then one chunk header overwritten
 * The truth line is measured last and written with write(2) from a static
 * buffer, so printing does not change the heap being measured:
 *   truth arena=.. ordblks=.. smblks=.. hblks=.. hblkhd=.. fsmblks=..
 *         uordblks=.. fordblks=.. keepcost=.. corrupt=0x..
 *   ready PID */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define N 20000
static void *slots[N];
static char line[512];
static uint64_t corrupt_at;
static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static size_t mixed_size(void)
{
    uint32_t r = next_rand();
    if (r % 50 == 0)
        return 8192 + r % 60000;      /* some large-bin sizes */
    return 16 + r % 2000;
}

static void mixed(void **s, int n)
{
    for (int i = 0; i < n; i++) {
        s[i] = malloc(mixed_size());
        memset(s[i], 0x5a, 16);
    }
    for (int i = 0; i < n; i += 2) {
        free(s[i]);
        s[i] = NULL;
    }
}

static pthread_barrier_t built, never;

static void *thread_main(void *arg)
{
    static void *mine[4][N / 4];
    mixed(mine[(intptr_t)arg], N / 4);
    pthread_barrier_wait(&built);
    pthread_barrier_wait(&never);    /* stay alive, attached to the arena */
    return NULL;
}

static void build(const char *mode)
{
    if (strcmp(mode, "mixed") == 0 || strcmp(mode, "corrupt") == 0) {
        mixed(slots, N);
    } else if (strcmp(mode, "threads") == 0) {
        pthread_t t[4];
        pthread_barrier_init(&built, NULL, 5);
        pthread_barrier_init(&never, NULL, 5);
        for (intptr_t i = 0; i < 4; i++)
            pthread_create(&t[i], NULL, thread_main, (void *)i);
        mixed(slots, N / 4);
        pthread_barrier_wait(&built);
    } else if (strcmp(mode, "mmapped") == 0) {
        mixed(slots, 1000);
        for (int i = 0; i < 10; i++)
            slots[1000 + i] = malloc((size_t)(1 + i) << 20);
    } else if (strcmp(mode, "nobrk") == 0) {
        /* occupy the page right after the break: sbrk fails from now on */
        void *brk_end = sbrk(0);
        void *p = mmap(brk_end, 4096, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p != brk_end) {
            write(2, "nobrk: cannot block the break\n", 30);
            exit(1);
        }
        mixed(slots, N / 2);
    } else if (strcmp(mode, "tcache") == 0) {
        for (int i = 0; i < 400; i++)
            slots[i] = malloc(24 + (i % 6) * 16);
        for (int i = 0; i < 400; i++)
            free(slots[i]);
    } else {
        write(2, "unknown mode\n", 13);
        exit(2);
    }
    if (strcmp(mode, "corrupt") == 0) {
        /* the size field of the chunk holding slots[N/2+1] */
        uint64_t *hdr = (uint64_t *)slots[N / 2 + 1] - 1;
        corrupt_at = (uint64_t)(uintptr_t)(hdr - 1);
        *hdr = 0x13370;
    }
}

int main(int argc, char **argv)
{
    build(argc > 1 ? argv[1] : "mixed");
    struct mallinfo2 mi = mallinfo2();
    int n = snprintf(line, sizeof line,
                     "truth arena=%zu ordblks=%zu smblks=%zu hblks=%zu hblkhd=%zu "
                     "fsmblks=%zu uordblks=%zu fordblks=%zu keepcost=%zu corrupt=0x%llx\n"
                     "ready %d\n",
                     mi.arena, mi.ordblks, mi.smblks, mi.hblks, mi.hblkhd, mi.fsmblks,
                     mi.uordblks, mi.fordblks, mi.keepcost, (unsigned long long)corrupt_at,
                     (int)getpid());
    write(1, line, (size_t)n);
    for (;;)
        pause();
}
