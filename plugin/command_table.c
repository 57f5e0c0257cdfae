/* The plugin's commands as GDB knows them: help text (for CMD --help),
 * GDB's element for each, and TAB completion of their options (the words
 * each command's option table gives, so usage, parsing and completion
 * cannot disagree) and of the values a command registers a lister for
 * (zone names). */
#include "ngxmem.h"

#include "exception_boundary.h"
#include "gdb_internals.h"
#include "host.h"

#include <stdbool.h>
#include <string.h>

enum { MAX_COMMANDS = 64, MAX_CANDIDATES = 96 };

static struct command_entry {
    const char *name, *help;
    struct cmd_list_element *element;
    ngxmem_values_fn values;
    const char *const *words;
    int nwords;
} commands[MAX_COMMANDS];
static int ncommands;

static struct command_entry *entry_named(const char *name)
{
    for (int i = 0; i < ncommands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

const char *ngxmem_command_help(const char *name)
{
    const struct command_entry *e = entry_named(name);
    return e ? e->help : NULL;
}

bool host_completion_available(void)
{
    return gdb_internals[GI_SET_CMD_COMPLETER].how != FOUND_NOT &&
           gdb_internals[GI_COMPLETE_ON_ENUM].how != FOUND_NOT;
}

/* Is WORD one of the words of LINE before its last one? */
static bool already_given(const char *line, const char *last, const char *word)
{
    size_t len = strlen(word);
    for (const char *p = strstr(line, word); p && p < last; p = strstr(p + 1, word))
        if ((p == line || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return true;
    return false;
}

struct value_listing {
    ngxmem_values_fn fn;
    char (*out)[NGXMEM_VALUE_MAX];
    int max, count;
};

static void value_listing_run(void *p)
{
    struct value_listing *l = p;
    l->count = l->fn(l->out, l->max);
}

/* GDB's completer_ftype. TEXT is the argument text up to the cursor;
 * WORD where GDB's word-break characters (which include '-') put the
 * word being completed: the candidates match our own word (from the last
 * space) and complete_on_enum turns them into completions at WORD. */
static void command_completer(struct cmd_list_element *element,
                              struct completion_tracker *tracker,
                              const char *text, const char *word)
{
    const struct command_entry *e = NULL;
    for (int i = 0; i < ncommands && !e; i++)
        if (commands[i].element == element)
            e = &commands[i];
    if (!e || !text || !word)
        return;
    const char *own = strrchr(text, ' ');
    own = own ? own + 1 : text;
    if (word < own)
        return;

    static char values[MAX_CANDIDATES][NGXMEM_VALUE_MAX];
    const char *names[2 * MAX_CANDIDATES + 2];
    int n = 0;
    for (int i = 0; i < e->nwords && i < MAX_CANDIDATES; i++)
        if (!already_given(text, own, e->words[i]))
            names[n++] = e->words[i];
    names[n++] = "--help";
    if (e->values && own[0] != '-') {
        struct value_listing l = { e->values, values, MAX_CANDIDATES, 0 };
        char err[160];
        /* A target that cannot be read offers no values, quietly. */
        if (ngxmem_catch_errors(value_listing_run, &l, err, sizeof err) == 0)
            for (int i = 0; i < l.count && i < MAX_CANDIDATES; i++)
                names[n++] = values[i];
    }
    names[n] = NULL;
    GDB_FN(GI_COMPLETE_ON_ENUM, complete_on_enum_fn)(tracker, names, own, word);
}

void host_remember_command(const char *name, const char *help,
                           struct cmd_list_element *element)
{
    if (entry_named(name) || ncommands == MAX_COMMANDS)
        return;
    commands[ncommands++] = (struct command_entry){ name, help, element, NULL, NULL, 0 };
    if (element && host_completion_available())
        GDB_FN(GI_SET_CMD_COMPLETER, set_cmd_completer_fn)(element, command_completer);
}

int ngxmem_set_value_completer(const char *name, ngxmem_values_fn fn)
{
    struct command_entry *e = entry_named(name);
    if (!e)
        return -1;
    e->values = fn;
    return 0;
}

int ngxmem_set_completion_words(const char *name, const char *const *words, int n)
{
    struct command_entry *e = entry_named(name);
    if (!e)
        return -1;
    e->words = words;
    e->nwords = n;
    return 0;
}
