/* Registration of every analysis command with the host. */
#ifndef NGXMEM_COMMANDS_H
#define NGXMEM_COMMANDS_H

#include "ngxmem.h"

/* The last lines of every command's help: "apropos nginx" and "apropos
 * heap" find every command, and each points to the overview. */
#define NGXMEM_HELP_TAIL \
    "--json: one JSON document (schema 1, see the README); --verbose: how the\n" \
    "heap and nginx were found. Text fits \"set width\".\n" \
    "Part of ngxmem (nginx and glibc heap memory): see help ngxmem.\n"

void glibc_commands_register(void);
void glibc_heap_map_register(void);
void heap_owner_commands_register(void);
void nginx_commands_register(void);
void nginx_heap_map_register(void);
void nginx_pools_register(void);
void nginx_shm_register(void);
void nginx_shm_entries_register(void);
void nginx_shm_pages_register(void);
void nginx_breakdown_register(void);
void nginx_report_register(void);
void lua_gc_register(void);
void report_trend_register(void);

/* TAB completion of a ZONE argument (ngxmem_values_fn). */
int nginx_zone_names(char (*out)[NGXMEM_VALUE_MAX], int max);

#endif
