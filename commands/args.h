/* Command-line words of a GDB command: "--flag", "--opt VALUE", positionals.
 * Pure parsing; args_usage.c turns its verdicts into GDB errors. */
#ifndef NGXMEM_ARGS_H
#define NGXMEM_ARGS_H

#include <stdbool.h>
#include <stdint.h>

enum { ARGS_MAX = 32, ARGS_WORD_MAX = 256 };

struct args {
    char buf[1024];
    char *word[ARGS_MAX];
    int n;
    bool used[ARGS_MAX];
    char error[96];              /* why args_split refused, "" if it did not */
};

/* Split ARGS (may be NULL); false (and a->error) if the line or one word
 * is too long, or there are too many words. */
bool args_split(struct args *a, const char *args);
bool args_flag(struct args *a, const char *name);
/* Value after NAME, or NULL (absent). *missing set if NAME has no value. */
const char *args_value(struct args *a, const char *name, bool *missing);
/* The next word not consumed by the calls above, now consumed; NULL if none. */
const char *args_take(struct args *a);
/* First word not consumed by the calls above, or NULL. */
const char *args_unused(const struct args *a);
/* Unsigned decimal or 0x-hex, all of S, no sign, at most MAX. */
bool args_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* Size with optional K/M/G suffix (binary, "KiB"/"KB" too): as
 * args_parse_uint, and the product must not overflow. */
bool args_parse_size(const char *s, uint64_t *out);

/* In args_usage.c (GDB errors): a->error if args_split refused; false
 * when the words ask for --help, which is then printed (the command
 * returns). Any word left over is an error naming it. */
bool args_split_or_help(struct args *a, const char *args, const char *cmd);
void args_require_done(const struct args *a, const char *cmd);

#endif
