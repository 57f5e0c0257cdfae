/* The last step of every command: its complete result, rendered as text
 * (to GDB's width) or JSON, printed at once. */
#ifndef NGXMEM_COMMAND_OUTPUT_H
#define NGXMEM_COMMAND_OUTPUT_H

#include "options.h"
#include "result.h"

#include <sys/types.h>

struct output_options {
    bool json, verbose;
};

/* --json and --verbose, as P gives them. */
struct output_options output_options(const struct parsed_options *p);

/* The JSON envelope's target (pid or core, executable), once. */
void command_name_target(struct result *r);

/* Open the file OPTION names (PATH; NULL: none asked) before anything is
 * read, so a bad path fails at once: a GDB error says why. */
struct output_file;
void command_open_output(struct output_file *f, const char *cmd, const char *option,
                         const char *path, mode_t mode);
/* R as JSON into JSON (out_buf) and, when F has a path, into that file
 * (raises if it cannot be written). */
struct out_buf;
void command_save_json(struct result *r, struct output_file *f, struct out_buf *json);
/* R as one HTML page into F's file (raises if it cannot be written). */
void command_save_html(struct result *r, struct output_file *f);
/* B (a rendering of R) into F, opened by command_open_output (raises). */
void command_save_rendered(struct result *r, struct output_file *f, const struct out_buf *b);
/* Render R as O asks and print it (raises if R ran out of memory). */
void command_emit(struct result *r, const struct output_options *o);

#endif
