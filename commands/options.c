#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct option_def common_options[] = {
    { "--json", OPT_FLAG, NULL, 0, 0 },
    { "--verbose", OPT_FLAG, NULL, 0, 0 },
};

int options_count(const struct command_def *d)
{
    int n = d->noptions;
    for (unsigned bit = 0; bit < 2; bit++)
        n += (d->common >> bit) & 1;
    return n;
}

const struct option_def *options_at(const struct command_def *d, int i)
{
    if (i < d->noptions)
        return &d->options[i];
    for (unsigned bit = 0; bit < 2; bit++)
        if ((d->common >> bit) & 1 && i-- == d->noptions)
            return &common_options[bit];
    return NULL;
}

static int option_index(const struct command_def *d, const char *name)
{
    int n = options_count(d);
    for (int i = 0; i < n; i++)
        if (strcmp(options_at(d, i)->name, name) == 0)
            return i;
    return -1;
}

static bool refuse(struct parsed_options *p, const char *fmt, const char *a, const char *b)
{
    snprintf(p->error, sizeof p->error, fmt, a, b);
    return false;
}

static bool take_value(struct parsed_options *p, int i, const struct option_def *o,
                       const char *v)
{
    char range[48] = "";
    if (!v || strncmp(v, "--", 2) == 0)
        return refuse(p, v ? "%s needs a value, not the option %s" : "%s needs a value%s",
                      o->name, v ? v : "");
    p->text[i] = v;
    if (o->kind == OPT_TEXT || o->kind == OPT_FILE)
        return true;
    uint64_t max = o->max ? o->max : UINT64_MAX;
    bool ok = o->kind == OPT_NUMBER ? args_parse_uint(v, max, &p->number[i])
                                    : args_parse_size(v, &p->number[i]) && p->number[i] <= max;
    if (ok)
        return true;
    if (o->max)
        snprintf(range, sizeof range, " 0..%llu", (unsigned long long)o->max);
    snprintf(p->error, sizeof p->error, "%s takes %s%s, not '%s'", o->name,
             o->kind == OPT_NUMBER ? "a number (decimal or 0x hex)"
                                   : "a size (decimal or 0x hex, K/M/G suffix)",
             range, v);
    return false;
}

bool options_parse(const struct command_def *d, const char *args, struct parsed_options *p)
{
    memset(p, 0, sizeof *p);
    p->def = d;
    if (!args_split(&p->words, args))
        return refuse(p, "%s%s", p->words.error, "");
    for (int w = 0; w < p->words.n; w++)
        if (strcmp(p->words.word[w], "--help") == 0) {
            p->help = true;
            return true;
        }
    for (int w = 0; w < p->words.n; w++) {
        const char *word = p->words.word[w];
        if (strncmp(word, "--", 2) != 0) {
            if (p->npositional == d->max_positional || p->npositional == POSITIONAL_MAX)
                return refuse(p, "unexpected argument '%s'%s", word, "");
            p->positional[p->npositional++] = word;
            continue;
        }
        int i = option_index(d, word);
        if (i < 0)
            return refuse(p, "unexpected argument '%s'%s", word, "");
        const struct option_def *o = options_at(d, i);
        if (p->given[i])
            return refuse(p, "%s is given twice%s", word, "");
        for (int k = 0; o->group && k < options_count(d); k++)
            if (p->given[k] && options_at(d, k)->group == o->group)
                return refuse(p, "%s and %s cannot go together", options_at(d, k)->name, word);
        p->given[i] = true;
        if (o->kind != OPT_FLAG && !take_value(p, i, o, w + 1 < p->words.n ? p->words.word[++w]
                                                                           : NULL))
            return false;
    }
    if (p->npositional < d->min_positional)
        return refuse(p, "%s is missing%s", d->positionals ? d->positionals : "an argument", "");
    return true;
}

static int must_index(const struct parsed_options *p, const char *name)
{
    int i = option_index(p->def, name);
    if (i < 0 && getenv("NGXMEM_OPTIONS_STRICT"))
        abort();   /* a command asked for an option its table lacks */
    return i;
}

bool opt_given(const struct parsed_options *p, const char *name)
{
    int i = must_index(p, name);
    return i >= 0 && p->given[i];
}

const char *opt_text(const struct parsed_options *p, const char *name)
{
    int i = must_index(p, name);
    return i >= 0 && p->given[i] ? p->text[i] : NULL;
}

uint64_t opt_number(const struct parsed_options *p, const char *name, uint64_t absent)
{
    int i = must_index(p, name);
    return i >= 0 && p->given[i] ? p->number[i] : absent;
}

const char *opt_positional(const struct parsed_options *p, int i)
{
    return i >= 0 && i < p->npositional ? p->positional[i] : NULL;
}

int options_usage(const struct command_def *d, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s", d->name), count = options_count(d);
#define ADD(...) (n += snprintf(buf + ((size_t)n < len ? (size_t)n : len), \
                                (size_t)n < len ? len - (size_t)n : 0, __VA_ARGS__))
    if (d->positionals)
        ADD(" %s", d->positionals);
    for (int i = 0; i < count; i++) {
        const struct option_def *o = options_at(d, i);
        bool joined = o->group && i > 0 && options_at(d, i - 1)->group == o->group;
        bool more = o->group && i + 1 < count && options_at(d, i + 1)->group == o->group;
        ADD("%s%s", joined ? "|" : " [", o->name);
        if (o->value)
            ADD(" %s", o->value);
        if (!more)
            ADD("]");
    }
#undef ADD
    return n;
}
