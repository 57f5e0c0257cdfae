#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool args_split(struct args *a, const char *args)
{
    memset(a, 0, sizeof *a);
    if (!args)
        return true;
    if (strlen(args) >= sizeof a->buf) {
        snprintf(a->error, sizeof a->error, "the arguments are longer than %zu characters",
                 sizeof a->buf - 1);
        return false;
    }
    strcpy(a->buf, args);
    char *save;
    for (char *w = strtok_r(a->buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (a->n == ARGS_MAX) {
            snprintf(a->error, sizeof a->error, "more than %d arguments", ARGS_MAX);
            return false;
        }
        if (strlen(w) > ARGS_WORD_MAX) {
            snprintf(a->error, sizeof a->error, "an argument is longer than %d characters",
                     ARGS_WORD_MAX);
            return false;
        }
        a->word[a->n++] = w;
    }
    return true;
}

/* The number at the start of S, decimal or 0x hex; *END after it.
 * strtoull alone would take "-1" as 2^64-1, " 5" as 5 and "010" as 8. */
static bool leading_uint(const char *s, uint64_t *out, char **end)
{
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (!(hex ? isxdigit((unsigned char)s[2]) : isdigit((unsigned char)s[0])))
        return false;
    errno = 0;
    unsigned long long v = strtoull(hex ? s + 2 : s, end, hex ? 16 : 10);
    if (errno == ERANGE || *end == s)
        return false;
    *out = v;
    return true;
}

bool args_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    uint64_t v;
    if (!leading_uint(s, &v, &end) || *end || v > max)
        return false;
    *out = v;
    return true;
}

bool args_parse_size(const char *s, uint64_t *out)
{
    char *end;
    uint64_t v;
    if (!leading_uint(s, &v, &end))
        return false;
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024;
    else if (*end == 'm' || *end == 'M')
        mul = 1024 * 1024;
    else if (*end == 'g' || *end == 'G')
        mul = 1024ull * 1024 * 1024;
    else if (*end)
        return false;
    if (mul > 1 && end[1] && strcmp(end + 1, "iB") != 0 && strcmp(end + 1, "B") != 0)
        return false;
    if (v > UINT64_MAX / mul)
        return false;
    *out = v * mul;
    return true;
}
