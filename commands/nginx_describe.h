/* What every nginx command says about the nginx it found: a --verbose
 * block "nginx" (version, ngx_cycle, layout, signature, --with-compat,
 * how the layout was checked). */
#ifndef NGXMEM_NGINX_DESCRIBE_H
#define NGXMEM_NGINX_DESCRIBE_H

#include "nginx_shm.h"
#include "nginx_state.h"
#include "result.h"

void nginx_describe(const struct nginx_state *st, struct result *r);

/* What is wrong with L, as warnings: a list cut short, a zone whose size
 * is no address range, a zone whose memory cannot be read (a core made
 * without shared memory). */
void nginx_zones_said(struct result *r, const struct ngx_zone_list *l);

#endif
