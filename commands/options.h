/* A command's options declared once: the table parses the words, writes
 * the help's "Usage:" line and gives TAB completion its words (as GDB's
 * cli/cli-option.h does for its own commands). Pure parsing here;
 * command_def.c turns verdicts into GDB errors and registers commands. */
#ifndef NGXMEM_OPTIONS_H
#define NGXMEM_OPTIONS_H

#include "args.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum option_kind {
    OPT_FLAG,      /* --json */
    OPT_NUMBER,    /* --limit N: decimal or 0x hex, at most MAX */
    OPT_SIZE,      /* --min-size N: a number with an optional K/M/G suffix */
    OPT_TEXT,      /* --arena A: any word the command interprets */
    OPT_FILE,      /* --html FILE: a path (never an option: "./--x" for that) */
};

struct option_def {
    const char *name;            /* "--limit" */
    enum option_kind kind;
    const char *value;           /* its value in the usage line: "N", "FILE" */
    uint64_t max;                /* OPT_NUMBER, OPT_SIZE: the largest; 0: any */
    int group;                   /* > 0: at most one option of the group is given */
};

/* What every analysis takes after its own options. */
enum { COMMON_JSON = 1, COMMON_VERBOSE = 2, COMMON_OUTPUT = COMMON_JSON | COMMON_VERBOSE };

struct command_def {
    const char *name;            /* "glibc-chunks" */
    const char *summary;         /* the first help line (GDB's one-line help) */
    const char *positionals;     /* in the usage line: "ZONE", "[EXPR [SIZE]]", or NULL */
    int min_positional, max_positional;
    const struct option_def *options;
    int noptions;
    unsigned common;             /* COMMON_* */
    const char *description;     /* the help after the usage line, '\n'-terminated */
    const char *examples;        /* "Example: ..." lines, the last without '\n' */
};

enum { OPTIONS_MAX = 16, POSITIONAL_MAX = 64 };

struct parsed_options {
    const struct command_def *def;
    struct args words;
    bool help;                         /* --help was asked */
    bool given[OPTIONS_MAX];
    const char *text[OPTIONS_MAX];     /* the value word */
    uint64_t number[OPTIONS_MAX];      /* OPT_NUMBER, OPT_SIZE */
    const char *positional[POSITIONAL_MAX];
    int npositional;
    char error[192];                   /* why options_parse refused */
};

/* The options of D, its own then the common ones: I < options_count(D). */
int options_count(const struct command_def *d);
const struct option_def *options_at(const struct command_def *d, int i);

/* Parse ARGS (may be NULL) against D: every "--word" must be one of D's
 * options, given once, with its value when it takes one (a value is never
 * an option); at most one option of a group; the other words are the
 * positionals, as many as D allows. False + P->error otherwise. With
 * --help anywhere, true and P->help (nothing else is checked). */
bool options_parse(const struct command_def *d, const char *args, struct parsed_options *p);

/* NAME must be one of the command's options (a wrong name is a bug: it
 * aborts in the unit tests, never in GDB: it reads as not given). */
bool opt_given(const struct parsed_options *p, const char *name);
const char *opt_text(const struct parsed_options *p, const char *name);
uint64_t opt_number(const struct parsed_options *p, const char *name, uint64_t absent);
/* Positional I, or NULL. */
const char *opt_positional(const struct parsed_options *p, int i);

/* "glibc-chunks [--free|--used] [--limit N] ... [--json] [--verbose]" into
 * BUF; the length it needs (as snprintf). */
int options_usage(const struct command_def *d, char *buf, size_t len);

#endif
