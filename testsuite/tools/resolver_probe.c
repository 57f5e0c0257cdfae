/* Run the resolver on a GDB executable file, outside GDB, exactly as the
 * plugin runs it inside (version, symbols, anchors, verification), and
 * compare anchor-only results with the file's symbol table when it has
 * one. Used by the resolver truth test and to develop anchor rows:
 *   resolver-probe /path/to/gdb
 * Exit status: 0 if every internal was found by anchors, verified, and
 * equals the symbol table where there is one; 1 otherwise. */
#include "elf_image.h"
#include "gdb_internals.h"
#include "resolver.h"

#include <stdio.h>
#include <string.h>

static int resolve(const struct elf_image *img, enum resolver_mode mode,
                   struct resolver_report *r, struct gdb_internal *out)
{
    memset(r, 0, sizeof *r);
    r->mode = mode;
    int missing = resolver_resolve_image(img, r);
    memcpy(out, gdb_internals, sizeof gdb_internals);
    return missing;
}

int main(int argc, char **argv)
{
    struct elf_image img;
    struct resolver_report ra, rs;
    struct gdb_internal anchors[GI_COUNT], symbols[GI_COUNT];
    char err[256];
    if (argc != 2) {
        fprintf(stderr, "usage: resolver-probe GDB-EXECUTABLE\n");
        return 2;
    }
    if (elf_image_open(&img, argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "resolver-probe: %s\n", err);
        return 2;
    }
    resolve(&img, RESOLVE_ANCHORS, &ra, anchors);
    resolve(&img, RESOLVE_SYMBOLS, &rs, symbols);
    printf("GDB %s%s (major %d), build-id %s, symbols: %s\n", ra.pkgversion,
           ra.version, ra.major, ra.build_id,
           rs.symbols_from[0] ? rs.symbols_from : "none");
    int bad = 0;
    for (int id = 0; id < GI_COUNT; id++) {
        const struct gdb_internal *a = &anchors[id], *s = &symbols[id];
        bool has_sym = s->how == FOUND_SYMBOL;
        const char *verdict = a->how == FOUND_NOT ? "NOT FOUND"
                              : !has_sym ? "found"
                              : s->addr == a->addr && s->variant == a->variant
                                  ? "same as symbol" : "DIFFERS FROM SYMBOL";
        bad |= a->how == FOUND_NOT ||
               (has_sym && (s->addr != a->addr || s->variant != a->variant));
        printf("%-26s anchor 0x%-8llx symbol 0x%-8llx %s: %s%s%s\n",
               gdb_internal_name(id, a->variant ? a->variant : s->variant),
               (unsigned long long)(a->how ? a->addr : 0),
               (unsigned long long)(has_sym ? s->addr : 0), verdict,
               a->rejected[0] ? "rejected " : "", a->rejected,
               a->rejected[0] ? "" : a->where);
    }
    elf_image_close(&img);
    return bad;
}
