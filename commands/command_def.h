/* Commands from their option tables (options.h): registration with the
 * help text and completion words the table gives, and parsing that stops
 * with a GDB error naming what is wrong. */
#ifndef NGXMEM_COMMAND_DEF_H
#define NGXMEM_COMMAND_DEF_H

#include "ngxmem.h"
#include "options.h"

/* Register D with GDB: its help is D's summary, the usage line from its
 * table, its description, the analyses' common tail and its examples;
 * TAB completion offers its options. */
void command_register(const struct command_def *d, ngxmem_command_fn fn);

/* The help D registers (built once; valid for the life of the process). */
const char *command_help(const struct command_def *d);

/* Parse ARGS against D into P; a GDB error names what is wrong. False
 * when the words asked for --help, which is then printed. */
bool command_options(const struct command_def *d, const char *args, struct parsed_options *p);

#endif
