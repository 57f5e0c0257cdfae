/* The nginx analyses in the order a user runs them (layout probe, cycle
 * pool walk, zones, each zone's slab pages and dict, the Lua VM's GC), on
 * any reader: the fuzz target runs it on hostile images, the snapshot
 * tool on a live nginx to learn which pages a seed must keep. An image of
 * no nginx with a symbol lua_State (a made-up VM) gets the Lua VM's. */
#ifndef NGXMEM_NGINX_RUN_H
#define NGXMEM_NGINX_RUN_H

#include "mem_reader.h"

/* Returns how many analyses succeeded (for the snapshot's sanity). */
int nginx_run_all(const struct mem_reader *m);

#endif
