/* The nginx analyses in the order a user runs them (layout probe, cycle
 * pool walk, zones, each zone's slab pages and dict), on any reader: the
 * fuzz target runs it on hostile images, the snapshot tool on a live
 * nginx to learn which pages a seed must keep. */
#ifndef NGXMEM_NGINX_RUN_H
#define NGXMEM_NGINX_RUN_H

#include "mem_reader.h"

/* Returns how many analyses succeeded (for the snapshot's sanity). */
int nginx_run_all(const struct mem_reader *m);

#endif
