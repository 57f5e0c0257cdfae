#define _GNU_SOURCE
#include "shm_residency.h"

#include "target_identity.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

bool residency_is_our_tracee(pid_t pid)
{
    return pid > 0 && proc_status_field(pid, "TracerPid") == (long)getpid();
}

bool residency_gdb_has_core_open(void)
{
    return target_open_core(NULL, 0);
}

pid_t residency_nginx_pid(const struct mem_reader *m)
{
    uint64_t a;
    int32_t pid = 0;
    if (!mem_symbol(m, "ngx_pid", &a) || mem_read(m, a, &pid, 4) != 0 || pid < 0)
        return 0;
    return pid;
}

/* The mapping of PID that holds ADDR: its end, or 0. */
static uint64_t mapping_end(pid_t pid, uint64_t addr)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    uint64_t end = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long long lo, hi;
        if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && addr >= lo && addr < hi) {
            end = hi;
            break;
        }
    }
    if (f)
        fclose(f);
    return end;
}

enum residency_source residency_source_of(pid_t pid)
{
    return residency_is_our_tracee(pid) ? SOURCE_LIVE
           : residency_gdb_has_core_open() ? SOURCE_CORE : SOURCE_REMOTE;
}

bool residency_range_backed(const struct mem_reader *m, pid_t pid, enum residency_source src,
                            uint64_t addr, uint64_t len, char *why, size_t whylen)
{
    uint8_t byte;
    if (len == 0 || addr + len < addr) {
        snprintf(why, whylen, "an empty or wrapping range");
        return false;
    }
    if (src == SOURCE_LIVE) {
        uint64_t end = mapping_end(pid, addr);
        if (addr + len <= end)
            return true;
        snprintf(why, whylen, "%llu bytes from 0x%llx, but the mapping there %s",
                 (unsigned long long)len, (unsigned long long)addr,
                 end ? "is shorter" : "does not exist");
        return false;
    }
    /* a remote target cannot be checked without loading a page there */
    if (src == SOURCE_REMOTE || mem_read(m, addr + len - 1, &byte, 1) == 0)
        return true;
    snprintf(why, whylen, "%llu bytes from 0x%llx, but memory ends before that",
             (unsigned long long)len, (unsigned long long)addr);
    return false;
}

static bool by_mincore(pid_t pid, uint64_t addr, uint64_t len, unsigned char *resident,
                       char *why, size_t whylen)
{
    char path[128];
    snprintf(path, sizeof path, "/proc/%d/map_files/%llx-%llx", (int)pid,
             (unsigned long long)addr, (unsigned long long)(addr + len));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open %s (needs root)", path);
        return false;
    }
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(why, whylen, "cannot map %s", path);
        return false;
    }
    bool ok = mincore(p, len, resident) == 0;
    munmap(p, len);
    if (!ok)
        snprintf(why, whylen, "mincore failed on %s", path);
    for (uint64_t i = 0; ok && i < len / 4096; i++)
        resident[i] &= 1;
    return ok;
}

/* pagemap of PID for the range: bit 63 present, bit 62 swapped. */
static bool pagemap_or(pid_t pid, uint64_t addr, uint64_t npages, uint64_t ps,
                       unsigned char *resident)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    uint64_t buf[512];
    bool ok = true;
    for (uint64_t i = 0; ok && i < npages; i += 512) {
        uint64_t n = npages - i < 512 ? npages - i : 512;
        ok = pread(fd, buf, n * 8, (off_t)((addr / ps + i) * 8)) == (ssize_t)(n * 8);
        for (uint64_t k = 0; ok && k < n; k++)
            resident[i + k] |= (buf[k] >> 63) & 1;
    }
    close(fd);
    return ok;
}

enum residency_method residency_live(pid_t pid, uint64_t addr, uint64_t len, uint64_t ps,
                                     unsigned char *resident, char *why, size_t whylen)
{
    memset(resident, 0, len / ps);
    /* NGXMEM_SHM_NO_MINCORE: behave as without root (tests the fallback) */
    if (ps == 4096 && !getenv("NGXMEM_SHM_NO_MINCORE") &&
        by_mincore(pid, addr, len, resident, why, whylen))
        return RES_MINCORE;
    if (!why[0])
        snprintf(why, whylen, "mincore not used (NGXMEM_SHM_NO_MINCORE)");
    /* fallback: the process, its parent (the master) and the parent's children */
    long parent = proc_status_field(pid, "PPid");
    bool any = pagemap_or(pid, addr, len / ps, ps, resident);
    if (parent > 1)
        any |= pagemap_or((pid_t)parent, addr, len / ps, ps, resident);
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d));) {
        pid_t other = (pid_t)atoi(e->d_name);
        if (other > 0 && other != pid &&
            (proc_status_field(other, "PPid") == pid || (parent > 1 && proc_status_field(other, "PPid") == parent)))
            any |= pagemap_or(other, addr, len / ps, ps, resident);
    }
    if (d)
        closedir(d);
    return any ? RES_PAGEMAP : RES_UNAVAILABLE;
}
