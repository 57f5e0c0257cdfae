#include "auxv.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool auxv_values(const void *data, size_t size, const uint64_t *types, uint64_t *values,
                 int n)
{
    int found = 0;
    for (size_t at = 0; at + 16 <= size; at += 16) {
        uint64_t pair[2];
        memcpy(pair, (const char *)data + at, sizeof pair);
        if (pair[0] == AT_NULL)
            break;
        for (int i = 0; i < n; i++)
            if (pair[0] == types[i]) {
                values[i] = pair[1];
                found |= 1 << i;
            }
    }
    return n < 31 && found == (1 << n) - 1;
}

bool proc_auxv_values(pid_t pid, const uint64_t *types, uint64_t *values, int n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    uint64_t pairs[128][2];   /* the kernel writes a few dozen */
    ssize_t got = fd >= 0 ? read(fd, pairs, sizeof pairs) : -1;
    if (fd >= 0)
        close(fd);
    return got > 0 && auxv_values(pairs, (size_t)got, types, values, n);
}
