#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool args_split(struct args *a, const char *args)
{
    memset(a, 0, sizeof *a);
    if (!args)
        return true;
    if (strlen(args) >= sizeof a->buf)
        return false;
    strcpy(a->buf, args);
    char *save;
    for (char *w = strtok_r(a->buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (a->n == ARGS_MAX)
            return false;
        a->word[a->n++] = w;
    }
    return true;
}

bool args_flag(struct args *a, const char *name)
{
    for (int i = 0; i < a->n; i++)
        if (!a->used[i] && strcmp(a->word[i], name) == 0) {
            a->used[i] = true;
            return true;
        }
    return false;
}

const char *args_value(struct args *a, const char *name, bool *missing)
{
    *missing = false;
    for (int i = 0; i < a->n; i++)
        if (!a->used[i] && strcmp(a->word[i], name) == 0) {
            a->used[i] = true;
            if (i + 1 >= a->n) {
                *missing = true;
                return NULL;
            }
            a->used[i + 1] = true;
            return a->word[i + 1];
        }
    return NULL;
}

const char *args_unused(const struct args *a)
{
    for (int i = 0; i < a->n; i++)
        if (!a->used[i])
            return a->word[i];
    return NULL;
}

bool args_parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s)
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
    *out = v * mul;
    return true;
}
