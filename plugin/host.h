/* State of the plugin inside GDB, shared by the entry point, the API and
 * the diagnostic commands. */
#ifndef NGXMEM_HOST_H
#define NGXMEM_HOST_H

#include "resolver.h"

#include <stdbool.h>

struct host_state {
    bool initialized;     /* gdb_init_reader ran once (reloads reuse it) */
    bool ready;           /* every internal found: commands may run */
    bool reader_unloaded; /* jit-reader-unload ran; code stays (nodelete) */
    int loads;            /* how many times GDB loaded the reader */
    int missing;
    struct resolver_report report;
};

extern struct host_state host;

void host_init(void);

enum ngxmem_class { NGXMEM_CLASS_DATA, NGXMEM_CLASS_SUPPORT };

/* GDB's value for help class C in the running GDB. */
int ngxmem_command_class(enum ngxmem_class c);

/* Register the plugin's own and every analysis command. */
void host_register_commands(void);

/* Keep HELP for "NAME --help" and give GDB's ELEMENT for NAME (may be
 * NULL) the plugin's completer when this GDB has the completer API. */
struct cmd_list_element;
void host_remember_command(const char *name, const char *help,
                           struct cmd_list_element *element);
/* set_cmd_completer and complete_on_enum were both found and verified. */
bool host_completion_available(void);

#endif
