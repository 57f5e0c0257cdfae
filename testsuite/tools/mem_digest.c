/* mem-digest PID: one line per writable mapping of PID, "LO-HI CRC32" of
 * its bytes read through /proc/PID/mem (the process is meant to be held
 * stopped by a debugger meanwhile). Two digests around an ngxmem command
 * prove the inferior was not written. Unreadable mappings say so. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mem-digest PID\n");
        return 2;
    }
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%s/maps", argv[1]);
    FILE *maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%s/mem", argv[1]);
    int mem = open(path, O_RDONLY);
    if (!maps || mem < 0) {
        perror("mem-digest");
        return 1;
    }
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    while (buf && fgets(line, sizeof line, maps)) {
        unsigned long long lo, hi;
        char perms[8];
        if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 || perms[1] != 'w' ||
            strstr(line, "[vvar]"))
            continue;
        uLong crc = crc32(0L, Z_NULL, 0);
        bool ok = true;
        for (unsigned long long a = lo; ok && a < hi; a += CHUNK) {
            size_t n = hi - a < CHUNK ? (size_t)(hi - a) : CHUNK;
            ok = pread(mem, buf, n, (off_t)a) == (ssize_t)n;
            if (ok)
                crc = crc32(crc, buf, (uInt)n);
        }
        if (ok)
            printf("%llx-%llx %08lx\n", lo, hi, crc);
        else
            printf("%llx-%llx unreadable\n", lo, hi);
    }
    free(buf);
    return 0;
}
