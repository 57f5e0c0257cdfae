/* Builds a known glibc heap, prints glibc's own truth about it, then waits
 * for GDB. Modes:
 *   mixed    N mixed-size allocations, every other one freed
 *   threads  4 threads, each with its own arena, doing "mixed"
 *   mmapped  large allocations served by mmap
 *   nobrk    brk made unavailable first: a non-contiguous main arena
 *   tcache   small frees filling tcache bins and fastbins
 *   corrupt  "mixed", then one chunk header overwritten
 *   many     200,000 small chunks (a walk long enough to report progress)
 * The truth line is measured last and written with write(2) from a static
 * buffer, so printing does not change the heap being measured:
 *   truth arena=.. ordblks=.. smblks=.. hblks=.. hblkhd=.. fsmblks=..
 *         uordblks=.. fordblks=.. keepcost=.. corrupt=0x..
 *   ready PID
 * On SIGUSR1 (after GDB has measured): malloc_trim(0), then
 *   trim rss_drop=BYTES
 * the drop of RssAnon, with every page of the heap made resident first, so
 * that it equals what malloc_trim really returned to the OS. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define N 20000

/* glibc's own figures: mallinfo2() from glibc 2.33 on; before it (Debian
 * 11's 2.31) mallinfo(), whose int fields are exact for heaps under
 * 2 GiB, which the fixture's are. */
#if __GLIBC__ == 2 && __GLIBC_MINOR__ < 33
struct truth {
    size_t arena, ordblks, smblks, hblks, hblkhd, fsmblks, uordblks,
        fordblks, keepcost;
};
static struct truth glibc_truth(void)
{
    struct mallinfo m = mallinfo();
    return (struct truth){ (unsigned)m.arena, (unsigned)m.ordblks,
                           (unsigned)m.smblks, (unsigned)m.hblks,
                           (unsigned)m.hblkhd, (unsigned)m.fsmblks,
                           (unsigned)m.uordblks, (unsigned)m.fordblks,
                           (unsigned)m.keepcost };
}
#else
#define truth mallinfo2
#define glibc_truth mallinfo2
#endif
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
        size_t size = mixed_size();
        s[i] = malloc(size);
        memset(s[i], 0x5a, size);     /* resident: see trim_truth() */
    }
    for (int i = 0; i < n; i += 2) {
        free(s[i]);
        s[i] = NULL;
        /* halfway, a request the bins cannot serve sorts the unsorted
         * chunks into them: free chunks both binned and unsorted */
        if (i == n / 2 - n / 2 % 2)
            s[i] = malloc(100000);
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
    } else if (strcmp(mode, "many") == 0) {
        /* enough chunks for a walk to report progress (every 65,536); each
         * kept where the compiler must store it: newer GCCs drop a malloc
         * whose result is only tested (Debian 14's did: an empty heap) */
        static void *volatile kept;
        for (int i = 0; i < 200000; i++)
            if (!(kept = malloc(32)))
                exit(1);
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

static volatile sig_atomic_t trim_requested;

static void on_usr1(int sig)
{
    (void)sig;
    trim_requested = 1;
}

/* RssAnon in bytes, read without malloc. */
static long rss_anon(void)
{
    static char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strstr(buf, "RssAnon:");
    return p ? atol(p + 8) * 1024 : -1;
}

static void trim_truth(void)
{
    /* make the main heap's top resident too: systrim's release then shows */
    struct truth mi = glibc_truth();
    char *end = sbrk(0), *top = end - mi.keepcost;
    for (char *p = (char *)(((uintptr_t)top + 16 + 4095) & ~(uintptr_t)4095); p < end; p += 4096)
        *p = 1;
    long before = rss_anon();
    malloc_trim(0);
    long after = rss_anon();
    int n = snprintf(line, sizeof line, "trim rss_drop=%ld\n", before - after);
    write(1, line, (size_t)n);
}

int main(int argc, char **argv)
{
    signal(SIGUSR1, on_usr1);
    build(argc > 1 ? argv[1] : "mixed");
    struct truth mi = glibc_truth();
    int n = snprintf(line, sizeof line,
                     "truth arena=%zu ordblks=%zu smblks=%zu hblks=%zu hblkhd=%zu "
                     "fsmblks=%zu uordblks=%zu fordblks=%zu keepcost=%zu corrupt=0x%llx\n"
                     "ready %d\n",
                     mi.arena, mi.ordblks, mi.smblks, mi.hblks, mi.hblkhd, mi.fsmblks,
                     mi.uordblks, mi.fordblks, mi.keepcost, (unsigned long long)corrupt_at,
                     (int)getpid());
    write(1, line, (size_t)n);
    for (;;) {
        pause();
        if (trim_requested) {
            trim_requested = 0;
            trim_truth();
        }
    }
}
