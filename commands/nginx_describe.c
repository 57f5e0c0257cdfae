#include "nginx_describe.h"

void nginx_describe(const struct nginx_state *st, struct result *r)
{
    result_facts(r, "nginx", "nginx:")->verbose = true;
    result_fact(r, "version", "version",
                st->version.len ? val_inferior(r, &st->version) : val_none(), NULL);
    result_fact(r, "ngx_cycle", "ngx_cycle", val_address(st->cycle), NULL);
    result_fact(r, "layout", "layout", val_text(r, "%s", st->L->versions), NULL);
    result_fact(r, "page_size_bytes", "page size", val_bytes(st->pagesize), NULL);
    result_fact(r, "signature", "module signature", val_inferior(r, &st->signature), NULL);
    result_fact(r, "compat", "--with-compat", st->compat < 0 ? val_none() : val_bool(st->compat),
                NULL);
    result_fact(r, "layout_check", "layout check", val_text(r, "%s", st->layout_check), NULL);
}
