#ifndef NGXMEM_DIAGNOSTIC_COMMANDS_H
#define NGXMEM_DIAGNOSTIC_COMMANDS_H

#include "config.h"

void info_command(const char *args, int from_tty);
void selftest_command(const char *args, int from_tty);

#endif
