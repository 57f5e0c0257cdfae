/* The roots of a process's heap, class by class, in this order, and the
 * reachability run over them (owner_graph):
 *   1. each nginx module's configuration objects (its main, server and
 *      location confs: from one to the next, at most 4 KiB, within its
 *      pool block; and, one step further, the pool memory they point to,
 *      32 bytes of it: the ngx_ssl_t a lua loc conf points to holds the
 *      SSL_CTX), in the order of cycle->modules;
 *   2. a worker's connections and events (cycle->connections,
 *      read_events, write_events: allocated outside the pools);
 *   3. the rest of each kind of nginx pool's memory (cycle, old cycle,
 *      connection, request, other pools): blocks up to their last
 *      allocation, large allocations whole; the pools' chunks themselves
 *      are owned outright by their kind;
 *   4. the Lua VM: LuaJIT's allocator segments;
 *   5. every loaded object's data and bss, named by its file;
 *   6. thread stacks above their stack pointers, then registers;
 *   7. other anonymous memory.
 * Then what none reaches is leaked. Analysis only: the caller gathers
 * what the process says (mappings, pools, stacks, registers). */
#ifndef NGXMEM_OWNER_ROOTS_H
#define NGXMEM_OWNER_ROOTS_H

#include "mem_mapping.h"
#include "nginx_confs.h"
#include "nginx_lua.h"
#include "nginx_pool_census.h"
#include "owner_graph.h"

struct pool_container {
    uint64_t chunk;              /* the chunk's address */
    uint8_t kind;                /* enum pool_kind */
    bool large;                  /* a large allocation (else a block) */
};

struct owner_inputs {
    const struct mem_mappings *maps;
    const struct pool_container *pools;  /* in any order */
    size_t npools;
    const struct nginx_confs *confs;     /* NULL: no nginx */
    uint64_t connections[3];             /* cycle->connections, read_events, write_events */
    const struct lua_segments *lua;      /* NULL: no Lua VM */
    const uint64_t *sp;                  /* each thread's stack pointer */
    int nsp;
    const uint64_t *registers;           /* the current thread's */
    int nregisters;
    const uint64_t *skip_start, *skip_end;  /* ranges never read (shared zones) */
    int nskip;
};

/* Every class in order, each settled before the next, then finished. The
 * rows' classes name the owners. False + ERR (Ctrl-C, out of memory). */
bool owner_roots_run(struct owner_graph *g, const struct owner_inputs *in, owner_leak_fn leak,
                     void *leak_arg, char *err, size_t errlen);

/* After a run on IN: the class of the configuration that holds the pool
 * word at ADDR (its extent holds it, or it points at most 32 bytes below
 * it: as the run gave it), the conf's address in *CONF and the word of it
 * that says so in *WORD; -1 when none does. Reads every conf if it must
 * (an explanation's cost, not a run's). */
int owner_roots_conf_of(const struct owner_graph *g, const struct owner_inputs *in, uint64_t addr,
                        uint64_t *conf, uint64_t *word);

#endif
