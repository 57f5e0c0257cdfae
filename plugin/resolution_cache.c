#define _GNU_SOURCE
#include "resolution_cache.h"

#include "gdb_internals.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { CACHE_MAX_BYTES = 64 * 1024, BUILD_ID_HEX = 41 };
static const char cache_magic[] = "ngxmem-resolution 2";

struct own_object {
    uintptr_t code;              /* an address inside this plugin */
    char build_id[BUILD_ID_HEX];
};

/* This plugin's build-id, from its own PT_NOTE in memory: a rebuilt
 * plugin may resolve differently, so its entries are its own. */
static int find_own_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct own_object *o = arg;
    bool mine = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + p->p_vaddr;
        mine |= p->p_type == PT_LOAD && o->code >= start && o->code < start + p->p_memsz;
    }
    for (int i = 0; mine && i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        if (p->p_type != PT_NOTE)
            continue;
        const unsigned char *n = (const unsigned char *)(info->dlpi_addr + p->p_vaddr);
        const unsigned char *end = n + p->p_memsz;
        while (n + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *h = (const ElfW(Nhdr) *)n;
            const unsigned char *name = n + sizeof *h;
            const unsigned char *desc = name + ((h->n_namesz + 3) & ~3u);
            if (desc + h->n_descsz > end)
                break;
            if (h->n_type == NT_GNU_BUILD_ID && h->n_namesz == 4 &&
                memcmp(name, "GNU", 4) == 0 && h->n_descsz * 2 < BUILD_ID_HEX) {
                for (unsigned k = 0; k < h->n_descsz; k++)
                    snprintf(o->build_id + 2 * k, 3, "%02x", desc[k]);
                return 1;
            }
            n = desc + ((h->n_descsz + 3) & ~3u);
        }
    }
    return mine;
}

/* FNV-1a over the entries: a torn, truncated or hand-edited file is
 * refused before its addresses are even verified. */
static uint64_t entries_checksum(const char *text, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)text[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static bool hex_id(const char *s)
{
    size_t n = strlen(s);
    return n >= 8 && n < BUILD_ID_HEX && strspn(s, "0123456789abcdef") == n;
}

bool resolution_cache_path(const char *gdb_build_id, char *path, size_t n)
{
    const char *off = getenv("NGXMEM_CACHE");
    if (off && strcmp(off, "off") == 0)
        return false;
    struct own_object o = { (uintptr_t)&resolution_cache_path, "" };
    dl_iterate_phdr(find_own_build_id, &o);
    if (!hex_id(gdb_build_id) || !hex_id(o.build_id))
        return false;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int k;
    if (xdg && xdg[0] == '/')
        k = snprintf(path, n, "%s/ngxmem/%s-%s", xdg, gdb_build_id, o.build_id);
    else if (home && home[0] == '/')
        k = snprintf(path, n, "%s/.cache/ngxmem/%s-%s", home, gdb_build_id, o.build_id);
    else
        return false;
    return k > 0 && (size_t)k < n;
}

/* The directory of the entry PATH names (its last component in *NAME),
 * opened, if it is safe to keep entries in: a real directory (not a link)
 * of this user that no one else may write. CREATE makes it (and its
 * parent) first. -1 + WHY otherwise. */
static int private_dir(const char *path, bool create, const char **name, char *why,
                       size_t whylen)
{
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path || (size_t)(slash - path) >= sizeof dir) {
        snprintf(why, whylen, "no directory in %s", path);
        return -1;
    }
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    *name = slash + 1;
    if (create) {
        char *parent = strrchr(dir, '/');
        if (parent && parent != dir) {
            *parent = '\0';
            mkdir(dir, 0700);    /* ~/.cache, if need be */
            *parent = '/';
        }
        mkdir(dir, 0700);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
        if (fd < 0 && errno == ENOENT)
            snprintf(why, whylen, "none yet");
        else
            snprintf(why, whylen, "%s is %s", dir,
                     fd < 0 ? "not a directory of its own (a link?)"
                            : "not a directory of this user that only it may write");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* The file's whole text, if it is safe to believe: a regular file (not a
 * link, never a FIFO or device: opening one must not wait) of this user
 * that no one else may write, and small, in such a directory. */
static char *read_private_file(const char *path, char *why, size_t whylen)
{
    const char *name;
    int dir = private_dir(path, false, &name, why, whylen);
    if (dir < 0)
        return NULL;
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    close(dir);
    if (fd < 0) {
        snprintf(why, whylen, "%s", errno == ENOENT ? "none yet" : strerror(errno));
        return NULL;
    }
    struct stat st;
    char *text = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022) || st.st_size <= 0 || st.st_size > CACHE_MAX_BYTES) {
        snprintf(why, whylen, "not a private regular file of this user under %d bytes",
                 CACHE_MAX_BYTES);
    } else if ((text = malloc((size_t)st.st_size + 1)) &&
               read(fd, text, (size_t)st.st_size) == st.st_size) {
        text[st.st_size] = '\0';
    } else {
        snprintf(why, whylen, "unreadable");
        free(text);
        text = NULL;
    }
    close(fd);
    return text;
}

/* One internal's line: NAME, HOW (N/S/A), VARIANT, ADDRESS, ANCHOR SITE
 * (hex), WHERE, tab-separated; NAME must be internal ID's. */
static bool parse_internal(char *line, int id, struct gdb_internal *out)
{
    enum { FIELDS = 6 };
    char *field[FIELDS];
    for (int i = 0; i < FIELDS; i++) {
        field[i] = line;
        char *tab = i < FIELDS - 1 ? strchr(line, '\t') : NULL;
        if (i < FIELDS - 1 && !tab)
            return false;
        if (tab) {
            *tab = '\0';
            line = tab + 1;
        }
    }
    char *end;
    errno = 0;
    long variant = strtol(field[2], &end, 10);
    if (*end || variant < 0 || variant > 16)
        return false;
    unsigned long long addr = strtoull(field[3], &end, 16);
    if (*end || errno)
        return false;
    unsigned long long site = strtoull(field[4], &end, 16);
    if (*end || errno || strcmp(field[0], gdb_internals[id].name) != 0 || field[1][1])
        return false;
    *out = gdb_internals[id];
    out->how = field[1][0] == 'S' ? FOUND_SYMBOL : field[1][0] == 'A' ? FOUND_ANCHOR
                                                                     : FOUND_NOT;
    if (field[1][0] != 'S' && field[1][0] != 'A' && field[1][0] != 'N')
        return false;
    out->addr = out->how == FOUND_NOT ? 0 : addr;
    out->anchor_site = site;
    out->variant = (int)variant;
    out->rejected[0] = '\0';
    snprintf(out->where, sizeof out->where, "%s", field[5]);
    return out->how == FOUND_NOT || out->addr != 0;
}

bool resolution_cache_load(const char *path, struct resolver_report *r, char *why,
                           size_t whylen)
{
    char *text = read_private_file(path, why, whylen);
    if (!text)
        return false;
    /* the last line: "check HEX", the checksum of everything before it */
    size_t len = strlen(text);
    char *check = len ? memrchr(text, '\n', len - 1) : NULL;
    unsigned long long want;
    char tail;
    if (!check || sscanf(check + 1, "check %llx%c", &want, &tail) != 2 || tail != '\n' ||
        entries_checksum(text, (size_t)(check + 1 - text)) != want) {
        free(text);
        snprintf(why, whylen, "checksum does not match");
        return false;
    }
    check[1] = '\0';
    /* its texts reach the terminal (ngxmem-info): no control characters */
    for (const char *c = text; *c; c++)
        if (((unsigned char)*c < 0x20 && *c != '\t' && *c != '\n') || *c == 0x7f) {
            free(text);
            snprintf(why, whylen, "malformed");
            return false;
        }
    static struct gdb_internal loaded[GI_COUNT];
    char symbols[sizeof r->symbols_from] = "";
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    bool ok = line && strcmp(line, cache_magic) == 0;
    line = ok ? strtok_r(NULL, "\n", &save) : NULL;
    ok = line && strncmp(line, "symbols\t", 8) == 0;
    if (ok)
        snprintf(symbols, sizeof symbols, "%s", line + 8);
    char version[sizeof r->version] = "", pkgversion[sizeof r->pkgversion] = "";
    line = ok ? strtok_r(NULL, "\n", &save) : NULL;
    char *tab = line ? strchr(line, '\t') : NULL, *tab2 = tab ? strchr(tab + 1, '\t') : NULL;
    ok = line && strncmp(line, "version\t", 8) == 0 && tab2;
    if (ok) {
        *tab2 = '\0';
        snprintf(version, sizeof version, "%s", tab + 1);
        snprintf(pkgversion, sizeof pkgversion, "%s", tab2 + 1);
    }
    for (int id = 0; ok && id < GI_COUNT; id++) {
        line = strtok_r(NULL, "\n", &save);
        ok = line && parse_internal(line, id, &loaded[id]);
    }
    ok = ok && !strtok_r(NULL, "\n", &save);
    free(text);
    if (!ok) {
        snprintf(why, whylen, "malformed");
        return false;
    }
    memcpy(gdb_internals, loaded, sizeof loaded);
    snprintf(r->symbols_from, sizeof r->symbols_from, "%s", symbols);
    snprintf(r->version, sizeof r->version, "%s", version);
    snprintf(r->pkgversion, sizeof r->pkgversion, "%s", pkgversion);
    if (sscanf(r->version, "%d.%d", &r->major, &r->minor) < 1 || r->major < 7 || r->major > 99)
        r->major = r->minor = 0;
    return true;
}

void resolution_cache_save(const char *path, const struct resolver_report *r)
{
    char why[256], tmp[64];
    const char *name;
    int dir = private_dir(path, true, &name, why, sizeof why);
    if (dir < 0)
        return;
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 16; attempt++) {
        snprintf(tmp, sizeof tmp, ".tmp-%d-%d-%ld", (int)getpid(), attempt, (long)random());
        fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        close(dir);
        return;
    }
    char *body = NULL;
    size_t body_len = 0;
    FILE *f = open_memstream(&body, &body_len);
    if (!f) {
        close(fd);
        unlinkat(dir, tmp, 0);
        close(dir);
        return;
    }
    char symbols[sizeof r->symbols_from];
    snprintf(symbols, sizeof symbols, "%s", r->symbols_from);
    symbols[strcspn(symbols, "\n")] = '\0';
    fprintf(f, "%s\nsymbols\t%s\nversion\t%s\t%s\n", cache_magic, symbols, r->version,
            r->pkgversion);
    for (int id = 0; id < GI_COUNT; id++) {
        const struct gdb_internal *gi = &gdb_internals[id];
        char where[sizeof gi->where];
        snprintf(where, sizeof where, "%s", gi->where);
        where[strcspn(where, "\t\n")] = '\0';
        fprintf(f, "%s\t%c\t%d\t%llx\t%llx\t%s\n", gi->name,
                gi->how == FOUND_SYMBOL ? 'S' : gi->how == FOUND_ANCHOR ? 'A' : 'N',
                gi->variant, (unsigned long long)gi->addr,
                (unsigned long long)gi->anchor_site, where);
    }
    bool ok = fclose(f) == 0;
    FILE *out = ok ? fdopen(fd, "w") : NULL;
    if (out) {
        fwrite(body, 1, body_len, out);
        fprintf(out, "check %016llx\n", (unsigned long long)entries_checksum(body, body_len));
        ok = fclose(out) == 0;
    } else {
        close(fd);
        ok = false;
    }
    free(body);
    /* whole or not at all: a reader never sees half a file */
    if (!ok || renameat(dir, tmp, dir, name) != 0)
        unlinkat(dir, tmp, 0);
    close(dir);
}
