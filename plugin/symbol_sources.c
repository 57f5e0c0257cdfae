#include "symbol_sources.h"

#include <elfutils/debuginfod.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    MINI_MAX = 256 << 20,          /* decompressed MiniDebugInfo bound */
    MINI_MEMLIMIT = 512 << 20,     /* xz decoder memory bound */
};

/* A symbol file is only used for the executable it was built with. */
static int same_build(const struct elf_image *img, struct elf_image *dbg,
                      const char *what, char *why, size_t whylen)
{
    if (strcmp(dbg->build_id, img->build_id) == 0)
        return 0;
    snprintf(why, whylen, "%s has another build-id", what);
    elf_image_close(dbg);
    return -1;
}

static int from_debug_directory(const struct elf_image *img, struct elf_image *dbg,
                                char *out, size_t outlen)
{
    const char *dir = getenv("NGXMEM_DEBUG_FILE_DIRECTORY");
    char path[600], err[200];
    if (!dir)
        dir = "/usr/lib/debug";
    snprintf(path, sizeof path, "%s/.build-id/%.2s/%s.debug", dir, img->build_id,
             img->build_id + 2);
    if (access(path, R_OK) != 0 || elf_image_open(dbg, path, err, sizeof err)) {
        snprintf(out, outlen, "no debug file %s", path);
        return -1;
    }
    if (same_build(img, dbg, path, out, outlen) != 0)
        return -1;
    snprintf(out, outlen, "build-id debug file %s", path);
    return 0;
}

/* .gnu_debugdata is an xz stream of an ELF file holding .symtab. */
static int from_minidebuginfo(const struct elf_image *img, struct elf_image *dbg,
                              char *out, size_t outlen)
{
    const struct section_view *s = &img->gnu_debugdata;
    if (!s->data || !s->size) {
        snprintf(out, outlen, "no .gnu_debugdata");
        return -1;
    }
    lzma_stream z = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&z, MINI_MEMLIMIT, 0) != LZMA_OK) {
        snprintf(out, outlen, ".gnu_debugdata: cannot start the xz decoder");
        return -1;
    }
    size_t cap = 4 * s->size + (1 << 20), len = 0;
    uint8_t *buf = malloc(cap);
    lzma_ret rc = LZMA_OK;
    z.next_in = s->data;
    z.avail_in = s->size;
    while (buf && rc == LZMA_OK) {
        if (len == cap) {
            uint8_t *bigger = cap < MINI_MAX ? realloc(buf, 2 * cap) : NULL;
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
        z.next_out = buf + len;
        z.avail_out = cap - len;
        rc = lzma_code(&z, LZMA_FINISH);
        len = cap - z.avail_out;
    }
    lzma_end(&z);
    if (rc != LZMA_STREAM_END) {
        free(buf);
        snprintf(out, outlen, ".gnu_debugdata of %s: not a complete xz stream "
                 "(or over %d MiB)", img->path, MINI_MAX >> 20);
        return -1;
    }
    char label[600], err[200];
    snprintf(label, sizeof label, ".gnu_debugdata of %s", img->path);
    if (elf_image_open_memory(dbg, buf, len, label, err, sizeof err) != 0) {
        snprintf(out, outlen, "%s", err);
        return -1;
    }
    snprintf(out, outlen, "MiniDebugInfo (%s)", label);
    return 0;
}

static int from_debuginfod(const struct elf_image *img, struct elf_image *dbg,
                           char *out, size_t outlen)
{
    const char *urls = getenv("DEBUGINFOD_URLS");
    if (!urls || !*urls) {
        snprintf(out, outlen, "DEBUGINFOD_URLS not set");
        return -1;
    }
    debuginfod_client *c = debuginfod_begin();
    if (!c) {
        snprintf(out, outlen, "debuginfod: cannot start a client");
        return -1;
    }
    char *path = NULL, err[200];
    /* a build-id length of 0: the id is given as a hex string */
    int fd = debuginfod_find_debuginfo(c, (const unsigned char *)img->build_id, 0, &path);
    debuginfod_end(c);
    if (fd < 0) {
        snprintf(out, outlen, "debuginfod (%s): %s", urls, strerror(-fd));
        free(path);
        return -1;
    }
    close(fd);
    int rc = elf_image_open(dbg, path, err, sizeof err);
    if (rc == 0)
        rc = same_build(img, dbg, path, out, outlen);
    if (rc == 0)
        snprintf(out, outlen, "debuginfod %s (%s)", urls, path);
    else if (err[0])
        snprintf(out, outlen, "debuginfod: %s", err);
    free(path);
    return rc;
}

int symbol_source_open(const struct elf_image *img, struct elf_image *dbg,
                       const char **route, char *from, size_t fromlen)
{
    static const struct {
        const char *route;
        bool needs_id;
        int (*open)(const struct elf_image *, struct elf_image *, char *, size_t);
    } sources[] = {
        { "build-id debug file", true, from_debug_directory },
        { "MiniDebugInfo", false, from_minidebuginfo },
        { "debuginfod", true, from_debuginfod },
    };
    bool have_id = strlen(img->build_id) >= 4;
    size_t n = (size_t)snprintf(from, fromlen, "none (GDB is stripped%s",
                                have_id ? "" : " and has no build-id");
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        char why[300];
        if (sources[i].needs_id && !have_id)
            continue;
        if (sources[i].open(img, dbg, why, sizeof why) == 0) {
            *route = sources[i].route;
            snprintf(from, fromlen, "%s", why);
            return 0;
        }
        if (n < fromlen)
            n += (size_t)snprintf(from + n, fromlen - n, "; %s", why);
    }
    if (n < fromlen)
        snprintf(from + n, fromlen - n, ")");
    *route = "";
    return -1;
}
