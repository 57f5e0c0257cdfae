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

/* The JSON envelope's target (pid or core, executable), once. */
void command_name_target(struct result *r);
/* R as JSON into JSON (out_buf) and, when PATH is not NULL, into the file
 * PATH (raises if it cannot be written). */
struct out_buf;
void command_save_json(struct result *r, const char *path, struct out_buf *json);
/* R as one HTML page into the file PATH (raises if it cannot be written). */
void command_save_html(struct result *r, const char *path);
/* Render R as O asks and print it (raises if R ran out of memory). */
void command_emit(struct result *r, const struct output_options *o);

#endif
