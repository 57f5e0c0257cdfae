#include "command_def.h"

#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEFS_MAX = 32 };

/* Built once per command and kept: GDB holds on to the help text. */
static struct built {
    const struct command_def *def;
    char *help;
    const char *words[OPTIONS_MAX + 2];
    int nwords;
} built[DEFS_MAX];
static int nbuilt;

static struct built *build(const struct command_def *d)
{
    for (int i = 0; i < nbuilt; i++)
        if (built[i].def == d)
            return &built[i];
    if (nbuilt == DEFS_MAX)
        return NULL;
    struct built *b = &built[nbuilt];
    int ulen = options_usage(d, NULL, 0);
    const char *tail = d->common & COMMON_OUTPUT ? NGXMEM_HELP_TAIL : "";
    size_t len = strlen(d->summary) + (size_t)ulen + strlen(d->description) + strlen(tail) +
                 strlen(d->examples) + 16;
    char *usage = malloc((size_t)ulen + 1);
    b->help = malloc(len);
    if (!usage || !b->help) {
        free(usage);
        free(b->help);
        return NULL;
    }
    options_usage(d, usage, (size_t)ulen + 1);
    snprintf(b->help, len, "%s\nUsage: %s\n%s%s%s", d->summary, usage, d->description, tail,
             d->examples);
    free(usage);
    int n = options_count(d);
    for (int i = 0; i < n && i < OPTIONS_MAX; i++)
        b->words[b->nwords++] = options_at(d, i)->name;
    b->def = d;
    nbuilt++;
    return b;
}

const char *command_help(const struct command_def *d)
{
    const struct built *b = build(d);
    return b ? b->help : d->summary;
}

void command_register(const struct command_def *d, ngxmem_command_fn fn)
{
    const struct built *b = build(d);
    if (!b)
        return;
    ngxmem_register_command(d->name, fn, b->help);
    ngxmem_set_completion_words(d->name, b->words, b->nwords);
}

bool command_options(const struct command_def *d, const char *args, struct parsed_options *p)
{
    if (!options_parse(d, args, p))
        ngxmem_error("%s: %s (see help %s)", d->name, p->error, d->name);
    if (!p->help)
        return true;
    ngxmem_printf("%s\n", command_help(d));
    return false;
}
