/* The last step of every command: its complete result, rendered as text
 * (to GDB's width) or JSON, printed at once. */
#ifndef NGXMEM_COMMAND_OUTPUT_H
#define NGXMEM_COMMAND_OUTPUT_H

#include "args.h"
#include "result.h"

struct output_options {
    bool json, verbose;
};

/* Takes --json and --verbose from A. */
struct output_options output_options(struct args *a);

/* Render R as O asks and print it (raises if R ran out of memory). */
void command_emit(struct result *r, const struct output_options *o);

#endif
