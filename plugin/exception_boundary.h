/* The one place where C++ meets the plugin's C: run a function that may
 * raise a GDB exception and turn a GDB *error* into a return code. Quits
 * (Ctrl-C), forced quits and anything unknown are rethrown untouched. */
#ifndef NGXMEM_EXCEPTION_BOUNDARY_H
#define NGXMEM_EXCEPTION_BOUNDARY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returns 0 if FN returned, -1 if it raised a GDB error (message in MSG). */
int ngxmem_catch_errors(void (*fn)(void *), void *arg, char *msg,
                        size_t msglen);

#ifdef __cplusplus
}
#endif

#endif
