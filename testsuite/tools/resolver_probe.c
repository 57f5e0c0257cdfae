/* Run the anchor resolver on a GDB executable file, outside GDB, and
 * compare with its symbol table when it has one. Used by the resolver
 * truth test and to develop anchor rows for a new GDB build:
 *   resolver-probe /path/to/gdb [MAJOR]
 * Exit status: 0 if every internal was found (and equals the symbol
 * table where there is one), 1 otherwise. */
#include "anchor_resolve.h"
#include "elf_image.h"
#include "gdb_internals.h"
#include "symbol_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[GI_COUNT] = {
    "add_com", "error", "gdb_printf", "gdb_printf(ui_file*)",
    "current_ui_gdb_stderr_ptr", "target_read_memory",
    "parse_and_eval_address", "parse_and_eval_long", "maybe_quit",
};

static uint64_t by_symbol(const struct elf_image *img, int id, int major)
{
    uint64_t v;
    for (size_t i = 0; i < symbol_names_len; i++)
        if (symbol_names[i].target == id && major >= symbol_names[i].gdb_min &&
            major <= symbol_names[i].gdb_max &&
            elf_image_symbol(img, symbol_names[i].mangled, &v))
            return v;
    return 0;
}

int main(int argc, char **argv)
{
    struct elf_image img;
    char err[256];
    if (argc < 2) {
        fprintf(stderr, "usage: resolver-probe GDB-EXECUTABLE [MAJOR]\n");
        return 2;
    }
    if (elf_image_open(&img, argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "resolver-probe: %s\n", err);
        return 2;
    }
    int major = argc > 2 ? atoi(argv[2]) : 13;
    int bad = 0;
    for (int id = 0; id < GI_COUNT; id++) {
        struct anchor_result ar;
        anchor_resolve(&img, id, major, &ar);
        uint64_t sym = by_symbol(&img, id, major);
        const char *verdict = !ar.value ? "NOT FOUND"
                              : !sym    ? "found"
                              : sym == ar.value ? "same as symbol"
                                                : "DIFFERS FROM SYMBOL";
        bad |= !ar.value || (sym && sym != ar.value);
        printf("%-26s anchor 0x%-8llx symbol 0x%-8llx %s: %s\n", names[id],
               (unsigned long long)ar.value, (unsigned long long)sym, verdict,
               ar.detail);
    }
    elf_image_close(&img);
    return bad;
}
