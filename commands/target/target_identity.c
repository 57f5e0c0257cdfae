#define _GNU_SOURCE
#include "target_identity.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
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

pid_t target_traced_pid(void)
{
    DIR *d = opendir("/proc");
    pid_t found = 0;
    long self = (long)getpid();
    for (struct dirent *e; d && !found && (e = readdir(d));)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
            proc_status_field((pid_t)atol(e->d_name), "TracerPid") == self)
            found = (pid_t)atol(e->d_name);
    if (d)
        closedir(d);
    return found;
}

/* NT_FILE: the file mapped at offset 0 at the lowest address is the
 * executable (PIE or not, it is mapped below the libraries). */
static void core_executable(const char *core, char *out, size_t len)
{
    int fd = open(core, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    size_t nph = 0;
    if (e && elf_getphdrnum(e, &nph) == 0)
        for (size_t i = 0; i < nph && !out[0]; i++) {
            GElf_Phdr ph;
            if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE)
                continue;
            Elf_Data *data = elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz,
                                                  ELF_T_NHDR);
            GElf_Nhdr nh;
            size_t off = 0, name_off, desc_off;
            while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
                if (nh.n_type != NT_FILE || nh.n_descsz < 16)
                    continue;
                const uint64_t *d = (const uint64_t *)((const char *)data->d_buf + desc_off);
                uint64_t count = d[0], max = (nh.n_descsz - 16) / 24;
                if (count > max)
                    break;
                const char *names = (const char *)(d + 2 + 3 * count);
                const char *end = (const char *)data->d_buf + desc_off + nh.n_descsz;
                uint64_t lowest = UINT64_MAX;
                for (uint64_t k = 0; k < count && names < end; k++) {
                    size_t n = strnlen(names, (size_t)(end - names));
                    if (d[2 + 3 * k + 2] == 0 && d[2 + 3 * k] < lowest && n < len) {
                        lowest = d[2 + 3 * k];
                        memcpy(out, names, n);
                        out[n] = '\0';
                    }
                    names += n + 1;
                }
                break;
            }
        }
    if (e)
        elf_end(e);
    close(fd);
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
