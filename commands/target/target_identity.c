#define _GNU_SOURCE
#include "target_identity.h"

#include "core_file.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool target_open_core(char *path, size_t len)
{
    DIR *d = opendir("/proc/self/fd");
    bool found = false;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        char link[300];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        int fd = open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            continue;
        Elf64_Ehdr h;
        found = pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
                memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 && h.e_type == ET_CORE;
        close(fd);
        if (found && path) {
            ssize_t n = readlink(link, path, len - 1);
            path[n > 0 ? n : 0] = '\0';
        }
    }
    if (d)
        closedir(d);
    return found;
}

long proc_status_field(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long v = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = atol(line + n + 1);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

/* The first traced process; with COUNT, every one is counted. */
pid_t target_traced_pids(int *count)
{
    DIR *d = opendir("/proc");
    pid_t found = 0;
    long self = (long)getpid();
    if (count)
        *count = 0;
    for (struct dirent *e; d && (count || !found) && (e = readdir(d));)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
            proc_status_field((pid_t)atol(e->d_name), "TracerPid") == self) {
            if (!found)
                found = (pid_t)atol(e->d_name);
            if (count)
                ++*count;
        }
    if (d)
        closedir(d);
    return found;
}

pid_t target_traced_pid(void)
{
    return target_traced_pids(NULL);
}

/* NT_FILE: the file mapped at offset 0 at the lowest address is the
 * executable (PIE or not, it is mapped below the libraries). */
struct lowest_file {
    uint64_t start;
    char *out;
    size_t len;
};

static void lowest_at_offset_0(void *arg, uint64_t start, uint64_t end, uint64_t offset,
                               const char *name)
{
    (void)end;
    struct lowest_file *l = arg;
    size_t n = strlen(name);
    if (offset == 0 && start < l->start && n < l->len) {
        l->start = start;
        memcpy(l->out, name, n + 1);
    }
}

static void core_executable(const char *core, char *out, size_t len)
{
    struct lowest_file l = { UINT64_MAX, out, len };
    core_file_read(core, NULL, lowest_at_offset_0, &l);
}

void target_identify(struct target_identity *t)
{
    memset(t, 0, sizeof *t);
    t->pid = target_traced_pid();
    if (t->pid) {
        char link[64];
        snprintf(link, sizeof link, "/proc/%d/exe", (int)t->pid);
        ssize_t n = readlink(link, t->executable, sizeof t->executable - 1);
        t->executable[n > 0 ? n : 0] = '\0';
    } else if (target_open_core(t->core, sizeof t->core)) {
        core_executable(t->core, t->executable, sizeof t->executable);
    }
}
