#include "args.h"

#include "ngxmem.h"

void args_split_or_error(struct args *a, const char *args, const char *cmd)
{
    if (!args_split(a, args))
        ngxmem_error("%s: %s (see help %s)", cmd, a->error, cmd);
}

void args_require_done(const struct args *a, const char *cmd)
{
    const char *extra = args_unused(a);
    if (extra)
        ngxmem_error("%s: unexpected argument '%s' (see help %s)", cmd, extra, cmd);
}
