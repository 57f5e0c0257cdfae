/* A big fragmented glibc heap for bench/glibc-free-chunks.sh: CHUNKS
 * allocations of 24..280 bytes, every third freed; then waits. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 3000000;
    void **p = malloc((size_t)n * sizeof *p);
    unsigned r = 1;
    for (long i = 0; i < n; i++) {
        r = r * 1103515245u + 12345u;
        p[i] = malloc(24 + (r >> 8) % 256);
    }
    for (long i = 0; i < n; i += 3)
        free(p[i]);
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;)
        pause();
}
