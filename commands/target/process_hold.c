#define _GNU_SOURCE
#include "process_hold.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

enum { HOLD_READY_MS = 5000 };

/* "DEV INODE" of the mapping of PID that holds ADDR, or false. */
static bool mapping_identity(pid_t pid, uint64_t addr, char *id, size_t len)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f)) {
        unsigned long long lo, hi;
        char dev[32];
        unsigned long long inode;
        if (sscanf(line, "%llx-%llx %*s %*s %31s %llu", &lo, &hi, dev, &inode) == 4 &&
            addr >= lo && addr < hi && inode != 0) {
            snprintf(id, len, "%s %llu", dev, inode);
            found = true;
        }
    }
    if (f)
        fclose(f);
    return found;
}

static bool maps_identity(pid_t pid, const char *id)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f)) {
        char dev[32], mine[64];
        unsigned long long inode;
        if (sscanf(line, "%*s %*s %*s %31s %llu", dev, &inode) == 2 && inode) {
            snprintf(mine, sizeof mine, "%s %llu", dev, inode);
            found = strcmp(mine, id) == 0;
        }
    }
    if (f)
        fclose(f);
    return found;
}

int hold_find_sharers(pid_t inferior, uint64_t addr, pid_t *out, int max)
{
    char id[64];
    if (!mapping_identity(inferior, addr, id, sizeof id))
        return 0;
    DIR *d = opendir("/proc");
    int n = 0;
    for (struct dirent *e; d && n < max && (e = readdir(d));) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == inferior || pid == getpid())
            continue;
        if (maps_identity((pid_t)pid, id))
            out[n++] = (pid_t)pid;
    }
    if (d)
        closedir(d);
    return n;
}

/* In the helper: seize and interrupt each process, report, wait for the
 * release (EOF), then exit: exiting detaches and resumes them all. */
static _Noreturn void helper(const pid_t *pids, int n, int ready, int release)
{
    int held = 0;
    for (int i = 0; i < n; i++) {
        if (ptrace(PTRACE_SEIZE, pids[i], 0, 0) != 0)
            continue;
        int st;
        if (ptrace(PTRACE_INTERRUPT, pids[i], 0, 0) == 0 &&
            waitpid(pids[i], &st, __WALL) == pids[i])
            held++;
    }
    if (write(ready, &held, sizeof held) != (ssize_t)sizeof held)
        _exit(1);
    char c;
    for (;;) {
        ssize_t r = read(release, &c, 1);
        if (r == 0 || (r < 0 && errno != EINTR))
            break;
    }
    _exit(0);
}

bool hold_start(struct process_hold *h, const pid_t *pids, int n, char *why, size_t whylen)
{
    int ready[2], release[2];
    h->release_fd = -1;
    h->held = 0;
    if (pipe2(ready, O_CLOEXEC) != 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return false;
    }
    if (pipe2(release, O_CLOEXEC) != 0) {
        close(ready[0]);
        close(ready[1]);
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return false;
    }
    /* a grandchild: reparented to init, never a child GDB's waitpid sees */
    pid_t child = fork();
    if (child == 0) {
        close(ready[0]);
        close(release[1]);
        if (fork() == 0)
            helper(pids, n, ready[1], release[0]);
        _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    if (child > 0)
        waitpid(child, NULL, 0);
    h->release_fd = release[1];
    struct pollfd p = { ready[0], POLLIN, 0 };
    int got = 0;
    bool ok = child > 0 && poll(&p, 1, HOLD_READY_MS) == 1 &&
              read(ready[0], &got, sizeof got) == (ssize_t)sizeof got;
    close(ready[0]);
    clock_gettime(CLOCK_MONOTONIC, &h->since);
    h->held = got;
    if (!ok || got != n) {
        snprintf(why, whylen, "held %d of the %d other processes mapping the zone "
                 "(ptrace refused?)", got, n);
        hold_release(h);
        return false;
    }
    return true;
}

double hold_release(struct process_hold *h)
{
    if (h->release_fd < 0)
        return 0;
    close(h->release_fd);
    h->release_fd = -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - h->since.tv_sec) * 1e3 +
           (double)(now.tv_nsec - h->since.tv_nsec) / 1e6;
}
