#include "args.h"

#include "ngxmem.h"

bool args_split_or_help(struct args *a, const char *args, const char *cmd)
{
    if (!args_split(a, args))
        ngxmem_error("%s: %s (see help %s)", cmd, a->error, cmd);
    if (!args_flag(a, "--help"))
        return true;
    const char *help = ngxmem_command_help(cmd);
    ngxmem_printf("%s\n", help ? help : "no help");
    return false;
}

void args_require_done(const struct args *a, const char *cmd)
{
    const char *extra = args_unused(a);
    if (extra)
        ngxmem_error("%s: unexpected argument '%s' (see help %s)", cmd, extra, cmd);
}
