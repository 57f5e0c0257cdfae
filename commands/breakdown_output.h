/* The RSS breakdown as result blocks, for ngx-mem-breakdown and the
 * report. */
#ifndef NGXMEM_BREAKDOWN_OUTPUT_H
#define NGXMEM_BREAKDOWN_OUTPUT_H

#include "glibc_heap.h"
#include "heap_claims.h"
#include "nginx_lua.h"
#include "nginx_pool_census.h"
#include "nginx_shm.h"
#include "result.h"
#include "rss_breakdown.h"

/* Facts (RSS, PSS, threads) under FACTS_KEY (NULL: top level) and the
 * parts table PARTS_KEY (literals), ZONES naming the zone rows. */
void breakdown_result(struct result *r, const struct rss_breakdown *b,
                      const struct ngx_zone *zones, int nz, const char *facts_key,
                      const char *parts_key);

/* Every zone of L into B (a GDB error when memory runs out). */
void breakdown_zones(struct rss_breakdown *b, const struct ngx_zone_list *l, const char *cmd);

/* B follows the walk of H: H's segments mark its heap mappings, and FAN
 * gets the consumer that counts each free chunk's resident pages. */
void breakdown_follow_walk(struct rss_breakdown *b, const struct glibc_heap *h,
                           struct chunk_fanout *fan);

/* The claims on the heap (before rss_breakdown_finish): each claimed
 * range's resident bytes in its owner's part (nginx's cycle or other
 * pools). */
void breakdown_claims(struct rss_breakdown *b, struct heap_claims *c);

/* The segments of VM's allocator into B (before rss_breakdown_finish);
 * their mapped bytes into *BYTES. False + WHY when they are not known. */
bool breakdown_lua_segments(struct rss_breakdown *b, const struct mem_reader *m,
                            const struct nginx_lua_vm *vm, uint64_t *bytes, char *why,
                            size_t whylen);

/* Begin B for the target GDB has: a live process (PID) or the core GDB
 * holds open; false + WHY otherwise (remote). */
bool breakdown_begin_target(struct rss_breakdown *b, pid_t pid, char *why, size_t whylen);

#endif
