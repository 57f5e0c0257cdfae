#ifndef NGXMEM_DIAGNOSTIC_COMMANDS_H
#define NGXMEM_DIAGNOSTIC_COMMANDS_H

#include "config.h"

#include "options.h"

extern const struct command_def info_def, selftest_def;

void info_command(const char *args, int from_tty);
void selftest_command(const char *args, int from_tty);

#endif
