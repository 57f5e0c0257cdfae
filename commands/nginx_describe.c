#include "nginx_describe.h"

#include "inferior_text.h"

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
    if (st->zones_unproven)
        result_note(r, "the ngx_cycle_t layout was chosen by its shared_memory list alone: no "
                    "zone's memory could confirm it");
}

void nginx_zones_said(struct result *r, const struct ngx_zone_list *l)
{
    char name[TEXT_OUT];
    int unreadable = 0;
    if (l->capped)
        result_warning(r, "cycle->shared_memory goes on past %d zones (corrupt?): the zones "
                       "after them are not shown", NGX_ZONES_MAX);
    for (int i = 0; i < l->n; i++) {
        const struct ngx_zone *z = &l->v[i];
        if (!z->size_ok)
            result_warning(r, "zone %s: shm.size says %llu bytes from 0x%llx, %s: its size is "
                           "not counted", text_terminal(&z->name, name),
                           (unsigned long long)z->size, (unsigned long long)z->addr,
                           z->size_why);
        else if (!z->readable)
            unreadable++;
    }
    if (unreadable)
        result_warning(r, "%d of %d zones cannot be read at their addresses (in a core: made "
                       "without shared memory, e.g. coredump_filter bit 1 unset): their pages, "
                       "slabs and contents are unknown", unreadable, l->n);
}
