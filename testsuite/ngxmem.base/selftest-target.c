/* Inferior for the host tests: a 4 MiB global with a known pattern, then
 * it waits (for attach / gcore) until killed. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define BLOCK_SIZE (4u << 20)

uint64_t selftest_block[BLOCK_SIZE / sizeof(uint64_t)];
/* what a call of selftest_touch() would change: it must never run */
volatile int selftest_touched;

__attribute__((noinline, used)) long selftest_touch(void)
{
    return ++selftest_touched;
}

int main(void)
{
    for (uint64_t i = 0; i < BLOCK_SIZE / sizeof(uint64_t); i++)
        selftest_block[i] = i * 0x9e3779b97f4a7c15ull;
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;)
        pause();
}
