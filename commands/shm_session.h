/* What the zone commands (ngx-shm-zones, -slabs, -entries, ngx-lua-shdict)
 * share: nginx found, its zones read exactly (never through a read-ahead
 * window: a page of a zone not in RAM would be loaded by reading it), a
 * zone by name, and --consistent's hold on the other processes. */
#ifndef NGXMEM_SHM_SESSION_H
#define NGXMEM_SHM_SESSION_H

#include "command_def.h"
#include "gdb_reader.h"
#include "nginx_shm.h"
#include "options.h"
#include "process_hold.h"
#include "result.h"

struct shm_session {
    struct gdb_reader_state progress;
    struct mem_reader raw;       /* exact reads only */
    struct nginx_state st;
    struct parsed_options opts;
    struct ngx_zone_list zones;
};

/* Parse ARGS for D, find nginx and its zones (raises on failure); false
 * when the options were refused (said). */
bool shm_session_open(struct shm_session *s, const struct command_def *d, const char *args);
/* Without options (TAB completion). */
void shm_session_read_zones(struct shm_session *s, const char *cmd);
void shm_session_release(struct shm_session *s);

/* The zone named NAME, readable, or raise. */
const struct ngx_zone *shm_zone_named(struct shm_session *s, const char *cmd, const char *name);

/* --consistent: hold still the other processes mapping zone Z (raises
 * when that cannot be done: a core, or no ptrace). */
void shm_hold_sharers(struct shm_session *s, const char *cmd, const struct ngx_zone *z,
                      struct process_hold *h);
void shm_release_hold(struct process_hold *h);
/* How many were held, and how long. */
void shm_held_result(int held, double ms, struct result *r);

#endif
