/* What every nginx command says about the nginx it found: a --verbose
 * block "nginx" (version, ngx_cycle, layout, signature, --with-compat,
 * how the layout was checked). */
#ifndef NGXMEM_NGINX_DESCRIBE_H
#define NGXMEM_NGINX_DESCRIBE_H

#include "nginx_state.h"
#include "result.h"

void nginx_describe(const struct nginx_state *st, struct result *r);

#endif
