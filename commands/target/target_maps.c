#include "target_maps.h"

#include "core_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct core_maps {
    struct smaps *s;
    uint64_t missing;
    bool truncated;
};

static void core_segment_seen(void *arg, const struct core_segment *seg)
{
    struct core_maps *c = arg;
    struct smaps_mapping m = { .start = seg->start, .end = seg->end, .rss = seg->held,
                               .pss = seg->held, .private_bytes = seg->held };
    c->missing += seg->filesz - seg->held;
    snprintf(m.perms, sizeof m.perms, "%c%c%cp", seg->readable ? 'r' : '-',
             seg->writable ? 'w' : '-', seg->executable ? 'x' : '-');
    if (seg->end > seg->start && !smaps_add(c->s, &m))
        c->truncated = true;
}

/* A file mapping of the core's NT_FILE note names the segments in it. */
static void core_file_seen(void *arg, uint64_t start, uint64_t end, uint64_t offset,
                           const char *name)
{
    (void)offset;
    struct core_maps *c = arg;
    for (size_t i = 0; i < c->s->n; i++) {
        struct smaps_mapping *m = &c->s->m[i];
        if (m->start >= start && m->end <= end) {
            snprintf(m->path, sizeof m->path, "%s", name);
            m->inode = 1;   /* a file mapping */
        }
    }
}

static int by_start(const void *x, const void *y)
{
    const struct smaps_mapping *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

bool target_maps_core(const char *core, struct smaps *s, uint64_t *missing, bool *truncated,
                      char *why, size_t whylen)
{
    struct core_maps c = { s, 0, false };
    if (!core_file_read(core, core_segment_seen, NULL, &c) ||
        !core_file_read(core, NULL, core_file_seen, &c) || !s->n) {
        snprintf(why, whylen, "cannot read the segments of the core %s", core);
        return false;
    }
    /* in address order, as the kernel lists mappings (lookups rely on it) */
    qsort(s->m, s->n, sizeof *s->m, by_start);
    *missing = c.missing;
    *truncated = c.truncated;
    return true;
}

void target_maps_view(const struct smaps *s, struct mem_mapping *out)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct smaps_mapping *m = &s->m[i];
        out[i] = (struct mem_mapping){
            .start = m->start, .end = m->end, .readable = m->perms[0] == 'r',
            .writable = m->perms[1] == 'w', .executable = m->perms[2] == 'x',
            .shared = m->perms[3] == 's', .file = m->inode != 0, .path = m->path,
        };
    }
}
