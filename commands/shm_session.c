#include "shm_session.h"

#include "commands.h"
#include "nginx_zone_pages.h"
#include "shm_residency.h"
#include "ngxmem.h"

#include <string.h>

void shm_session_release(struct shm_session *s)
{
    ngx_zone_list_release(&s->zones);
    gdb_reader_done(&s->progress);
}

void shm_session_read_zones(struct shm_session *s, const char *cmd)
{
    char err[512];
    s->raw = gdb_reader(&s->progress, cmd);
    if (!nginx_state_find(&s->raw, &s->st, err, sizeof err))
        ngxmem_error("%s: %s", cmd, err);
    /* Zones are read exactly, never through a read-ahead window: reading
     * a page of a shared zone that is not in RAM makes the kernel
     * allocate it (the observer effect the zone commands must not have). */
    nginx_zones_read(&s->raw, &s->st, &s->zones, cmd);
}

bool shm_session_open(struct shm_session *s, const struct command_def *d, const char *args)
{
    memset(s, 0, sizeof *s);
    if (!command_options(d, args, &s->opts))
        return false;
    shm_session_read_zones(s, d->name);
    return true;
}

const struct ngx_zone *shm_zone_named(struct shm_session *s, const char *cmd, const char *name)
{
    if (!name)
        ngxmem_error("%s: which zone? (see ngx-shm-zones)", cmd);
    for (int i = 0; i < s->zones.n; i++)
        if (inferior_text_equals(&s->zones.v[i].name, name)) {
            const struct ngx_zone *z = &s->zones.v[i];
            if (!z->size_ok)
                ngxmem_error("%s: zone \"%s\": shm.size says %llu bytes from 0x%llx, %s", cmd,
                             name, (unsigned long long)z->size, (unsigned long long)z->addr,
                             z->size_why);
            if (!z->readable)
                ngxmem_error("%s: zone \"%s\": its memory at 0x%llx cannot be read (a core "
                             "made without shared memory?)", cmd, name,
                             (unsigned long long)z->addr);
            return z;
        }
    ngxmem_error("%s: no zone \"%s\" (see ngx-shm-zones)", cmd, name);
}

void shm_release_hold(struct process_hold *h)
{
    hold_release(h);
}

/* --consistent: hold still the other processes mapping zone Z (only a
 * live process this GDB traces on this machine can tell which). */
void shm_hold_sharers(struct shm_session *s, const char *cmd, const struct ngx_zone *z,
                      struct process_hold *h)
{
    pid_t pid = residency_nginx_pid(&s->raw), others[HOLD_MAX];
    char why[200];
    if (!residency_is_our_tracee(pid))
        ngxmem_error("%s: --consistent needs a live process on this machine (a core is "
                     "consistent already)", cmd);
    int n = hold_find_sharers(pid, z->addr, others, HOLD_MAX);
    if (n && !hold_start(h, others, n, why, sizeof why))
        ngxmem_error("%s: --consistent: %s", cmd, why);
}

/* --consistent: how many processes were held, and how long. */
void shm_held_result(int held, double ms, struct result *r)
{
    result_facts(r, "held", NULL);
    result_fact(r, "process_count", "processes held", val_count((uint64_t)held),
                "other processes mapping the zone, held for the read");
    result_fact(r, "duration_ms", "held for", val_ms(ms), NULL);
}
