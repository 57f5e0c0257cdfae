/* Independent truth for the shm tests: how many pages of a process's
 * mapping at START-END are in RAM, by mincore() on a mapping of
 * /proc/PID/map_files/START-END (root). Written apart from the plugin's
 * own residency code on purpose.  Usage: shm-resident PID START-END */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: shm-resident PID START-END (hex, as in /proc/PID/maps)\n");
        return 2;
    }
    unsigned long long start, end;
    if (sscanf(argv[2], "%llx-%llx", &start, &end) != 2 || end <= start)
        return 2;
    char path[128];
    snprintf(path, sizeof path, "/proc/%s/map_files/%llx-%llx", argv[1], start, end);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    size_t len = end - start, pages = len / 4096, n = 0;
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char *v = malloc(pages);
    if (p == MAP_FAILED || !v || mincore(p, len, v) != 0) {
        perror("mincore");
        return 1;
    }
    for (size_t i = 0; i < pages; i++)
        n += v[i] & 1;
    printf("%zu\n", n * 4096);
    return 0;
}
