/* A program of musl's C library: its heap is mallocng's, not glibc's. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    static void *keep[1000];
    for (int i = 0; i < 1000; i++)
        keep[i] = malloc(32 + i);
    printf("ready %p\n", keep[0]);
    fflush(stdout);
    pause();
    return 0;
}
