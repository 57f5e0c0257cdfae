/* Command-line words of a GDB command and the numbers in them: what the
 * option tables (options.h) parse with. */
#ifndef NGXMEM_ARGS_H
#define NGXMEM_ARGS_H

#include <stdbool.h>
#include <stdint.h>

enum { ARGS_MAX = 32, ARGS_WORD_MAX = 4096 };

struct args {
    char buf[8192];
    char *word[ARGS_MAX];
    int n;
    char error[96];              /* why args_split refused, "" if it did not */
};

/* Split ARGS (may be NULL); false (and a->error) if the line or one word
 * is too long, or there are too many words. */
bool args_split(struct args *a, const char *args);
/* Unsigned decimal or 0x-hex, all of S, no sign, at most MAX. */
bool args_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* Size with optional K/M/G suffix (binary, "KiB"/"KB" too): as
 * args_parse_uint, and the product must not overflow. */
bool args_parse_size(const char *s, uint64_t *out);

#endif
