/* Command-line words of a GDB command: "--flag", "--opt VALUE", positionals. */
#ifndef NGXMEM_ARGS_H
#define NGXMEM_ARGS_H

#include <stdbool.h>
#include <stdint.h>

enum { ARGS_MAX = 32 };

struct args {
    char buf[1024];
    char *word[ARGS_MAX];
    int n;
    bool used[ARGS_MAX];
};

/* Split ARGS (may be NULL); false if too long or too many words. */
bool args_split(struct args *a, const char *args);
bool args_flag(struct args *a, const char *name);
/* Value after NAME, or NULL (absent). *missing set if NAME has no value. */
const char *args_value(struct args *a, const char *name, bool *missing);
/* First word not consumed by the calls above, or NULL. */
const char *args_unused(const struct args *a);
/* Size with optional K/M/G suffix (binary); false if not a size. */
bool args_parse_size(const char *s, uint64_t *out);

#endif
