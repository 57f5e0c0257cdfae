/* nginx-snapshot PID OUT.img: a seed for the nginx fuzz target from a
 * live nginx process. The analyses run once over process_vm_readv while
 * every page they read is recorded; the image keeps just those pages (a
 * few hundred KiB, not the zones' megabytes) and the symbols they asked
 * for, resolved from the executable's .dynsym. */
#define _GNU_SOURCE
#include "fuzz_image.h"
#include "grow_array.h"
#include "nginx_run.h"

#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

enum { PAGE = 4096 };

static const char *const names[] = {
    "ngx_cycle", "ngx_old_cycles", "ngx_pagesize", "ngx_core_module", "ngx_pid",
    "malloc_trim",
};
enum { NNAMES = sizeof names / sizeof names[0] };

struct snap {
    pid_t pid;
    uint64_t sym[NNAMES];
    uint64_t *pages;
    size_t npages, cap;
};

static int snap_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct snap *s = ctx;
    struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
    bool ok = process_vm_readv(s->pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
    for (uint64_t p = addr / PAGE; ok && len && p <= (addr + len - 1) / PAGE; p++)
        if (grow_array(&s->pages, &s->cap, s->npages, sizeof *s->pages, 1024))
            s->pages[s->npages++] = p;
    return ok ? 0 : -1;
}

static bool snap_symbol(void *ctx, const char *name, uint64_t *addr)
{
    struct snap *s = ctx;
    for (int i = 0; i < NNAMES; i++)
        if (strcmp(name, names[i]) == 0 && s->sym[i]) {
            *addr = s->sym[i];
            return true;
        }
    return false;
}

/* Our names from the .dynsym of the file mapped at BIAS. */
static void dynsym_lookup(struct snap *s, const char *file, uint64_t bias)
{
    elf_version(EV_CURRENT);
    int fd = open(file, O_RDONLY);
    Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
    for (Elf_Scn *scn = elf ? elf_nextscn(elf, NULL) : NULL; scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        Elf_Data *d;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize ||
            !(d = elf_getdata(scn, NULL)))
            continue;
        for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym sym;
            const char *name;
            if (!gelf_getsym(d, (int)i, &sym) || !sym.st_value ||
                !(name = elf_strptr(elf, sh.sh_link, sym.st_name)))
                continue;
            for (int k = 0; k < NNAMES; k++)
                if (!s->sym[k] && strcmp(name, names[k]) == 0)
                    s->sym[k] = sym.st_value + bias;
        }
    }
    if (elf)
        elf_end(elf);
    if (fd >= 0)
        close(fd);
}

/* nginx's symbols from its executable, malloc_trim from libc. */
static bool resolve_symbols(struct snap *s)
{
    char link[64], exe[PATH_MAX], libc[PATH_MAX];
    snprintf(link, sizeof link, "/proc/%d/exe", (int)s->pid);
    ssize_t n = readlink(link, exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    uint64_t bias = fuzz_image_mapped_file(s->pid, exe, NULL, 0);
    dynsym_lookup(s, link, bias);
    if ((bias = fuzz_image_mapped_file(s->pid, "/libc.so.6", libc, sizeof libc)) ||
        (bias = fuzz_image_mapped_file(s->pid, "/libc-2.", libc, sizeof libc)))
        dynsym_lookup(s, libc, bias);
    return s->sym[0] != 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: nginx-snapshot PID OUT.img\n");
        return 2;
    }
    struct snap s = { .pid = (pid_t)atoi(argv[1]) };
    if (!resolve_symbols(&s)) {
        fprintf(stderr, "nginx-snapshot: no ngx_cycle in %s's .dynsym\n", argv[1]);
        return 1;
    }
    struct mem_reader r = { snap_read, snap_symbol, NULL, &s, NULL, NULL, NULL };
    int ok = nginx_run_all(&r);
    if (ok < 3) {
        fprintf(stderr, "nginx-snapshot: only %d analyses succeeded on pid %s\n", ok, argv[1]);
        return 1;
    }
    qsort(s.pages, s.npages, sizeof *s.pages, cmp_u64);
    /* runs of recorded pages, the closest merged until they fit */
    uint64_t lo[FUZZ_IMAGE_MAX_SEGMENTS * 64], hi[FUZZ_IMAGE_MAX_SEGMENTS * 64];
    size_t n = 0;
    const size_t room = sizeof lo / sizeof lo[0];
    for (size_t i = 0; i < s.npages; i++) {
        uint64_t p = s.pages[i];
        if (n && p < hi[n - 1])
            continue;                       /* already kept */
        if (n && (p == hi[n - 1] || n == room)) {
            hi[n - 1] = p + 1;              /* extends the run */
            continue;
        }
        lo[n] = p;
        hi[n] = p + 1;
        n++;
    }
    while (n > FUZZ_IMAGE_MAX_SEGMENTS) {
        size_t best = 0;
        for (size_t i = 1; i + 1 < n; i++)
            if (lo[i + 1] - hi[i] < lo[best + 1] - hi[best])
                best = i;
        hi[best] = hi[best + 1];
        memmove(lo + best + 1, lo + best + 2, (n - best - 2) * sizeof *lo);
        memmove(hi + best + 1, hi + best + 2, (n - best - 2) * sizeof *hi);
        n--;
    }
    struct fuzz_image img;
    memset(&img, 0, sizeof img);
    size_t nseg = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = (size_t)(hi[i] - lo[i]) * PAGE;
        uint8_t *buf = malloc(len);
        struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)(lo[i] * PAGE), len };
        if (!buf || process_vm_readv(s.pid, &local, 1, &remote, 1, 0) != (ssize_t)len) {
            free(buf);
            continue;
        }
        img.owned[nseg] = buf;
        img.segs[nseg] = (struct image_segment){ lo[i] * PAGE, buf, len };
        nseg++;
        bytes += len;
    }
    size_t nsym = 0;
    for (int k = 0; k < NNAMES; k++)
        if (s.sym[k]) {
            snprintf(img.names[nsym], sizeof img.names[nsym], "%s", names[k]);
            img.syms[nsym] = (struct image_symbol){ img.names[nsym], s.sym[k] };
            nsym++;
        }
    img.image = (struct image){ img.segs, nseg, img.syms, nsym };
    bool saved = fuzz_image_save(&img, argv[2]);
    printf("nginx-snapshot: %d analyses, %zu segments, %zu KiB -> %s\n", ok, nseg, bytes >> 10,
           argv[2]);
    fuzz_image_free(&img);
    free(s.pages);
    return saved ? 0 : 1;
}
