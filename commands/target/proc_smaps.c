#include "proc_smaps.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kernel's default vm.max_map_count is 65530; a process may have
 * been allowed more, but not this many. */
enum { SMAPS_MAX_MAPPINGS = 1 << 20 };

static bool kb_field(const char *line, const char *name, uint64_t *out)
{
    size_t len = strlen(name);
    uint64_t kb;
    if (strncmp(line, name, len) != 0 || sscanf(line + len, " %" SCNu64 " kB", &kb) != 1)
        return false;
    *out += kb * 1024;
    return true;
}

struct smaps_mapping *smaps_add(struct smaps *s, const struct smaps_mapping *m)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct smaps_mapping *w = cap <= SMAPS_MAX_MAPPINGS ? realloc(s->m, cap * sizeof *w) : NULL;
        if (!w)
            return NULL;
        s->m = w;
        s->cap = cap;
    }
    s->m[s->n] = *m;
    return &s->m[s->n++];
}

/* A mapping line of maps or smaps ("start-end perms offset dev inode path"). */
static bool parse_mapping(const char *line, struct smaps_mapping *m)
{
    memset(m, 0, sizeof *m);
    int path_at = 0;
    char dev[16];
    uint64_t offset;
    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %15s %" SCNu64 " %n", &m->start,
               &m->end, m->perms, &offset, dev, &m->inode, &path_at) < 6 || m->end <= m->start)
        return false;
    snprintf(m->path, sizeof m->path, "%s", path_at ? line + path_at : "");
    m->path[strcspn(m->path, "\n")] = '\0';
    return true;
}

static struct smaps_mapping *new_mapping(struct smaps *s, const char *line)
{
    struct smaps_mapping m;
    return parse_mapping(line, &m) ? smaps_add(s, &m) : NULL;
}

bool proc_private_anonymous(pid_t pid, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    bool found = false;
    while (f && fgets(line, sizeof line, f)) {
        struct smaps_mapping m;
        if (parse_mapping(line, &m) && addr >= m.start && addr < m.end) {
            found = m.perms[0] == 'r' && m.perms[3] == 'p' && m.inode == 0 &&
                    (!m.path[0] || !strcmp(m.path, "[heap]"));
            if (found) {
                *lo = m.start;
                *hi = m.end;
            }
            break;
        }
        while (!strchr(line, '\n') && fgets(line, sizeof line, f))
            ;
    }
    if (f)
        fclose(f);
    return found;
}

bool smaps_read(pid_t pid, struct smaps *s, char *why, size_t whylen)
{
    char path[64], line[512];
    memset(s, 0, sizeof *s);
    snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(why, whylen, "cannot read %s", path);
        return false;
    }
    struct smaps_mapping *cur = NULL;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        uint64_t a, b;
        char c;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 "%c", &a, &b, &c) == 3 && c == ' ') {
            cur = new_mapping(s, line);
            ok = cur != NULL;
            if (!ok)
                snprintf(why, whylen, "%s: a mapping line not understood, or too many", path);
            continue;
        }
        if (!cur)
            continue;
        if (!kb_field(line, "Rss:", &cur->rss) && !kb_field(line, "Pss:", &cur->pss) &&
            !kb_field(line, "Swap:", &cur->swap) &&
            !kb_field(line, "Private_Clean:", &cur->private_bytes) &&
            !kb_field(line, "Private_Dirty:", &cur->private_bytes) &&
            !kb_field(line, "Shared_Clean:", &cur->shared_bytes))
            kb_field(line, "Shared_Dirty:", &cur->shared_bytes);
        /* a line longer than the buffer: skip the rest of it */
        while (!strchr(line, '\n') && fgets(line, sizeof line, f))
            ;
    }
    fclose(f);
    if (ok && s->n == 0) {
        snprintf(why, whylen, "%s lists no mapping", path);
        ok = false;
    }
    return ok;
}

void smaps_release(struct smaps *s)
{
    free(s->m);
    memset(s, 0, sizeof *s);
}

bool smaps_rollup(pid_t pid, uint64_t *rss, uint64_t *pss)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    *rss = *pss = 0;
    bool got_rss = false;
    while (fgets(line, sizeof line, f)) {
        got_rss |= kb_field(line, "Rss:", rss);
        kb_field(line, "Pss:", pss);
    }
    fclose(f);
    return got_rss;
}

/* Thread stack pointers, from /proc/PID/task/TID/syscall ("... sp pc")
 * of the stopped threads. */
int proc_thread_sps(pid_t pid, uint64_t *sp, int max)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    int n = 0;
    for (struct dirent *e; d && n < max && (e = readdir(d));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.16s/syscall", (int)pid, e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        if (fgets(line, sizeof line, f)) {
            char *pc = strrchr(line, ' ');
            if (pc) {
                *pc = '\0';
                char *s = strrchr(line, ' ');
                if (s && sscanf(s + 1, "0x%" SCNx64, &sp[n]) == 1)
                    n++;
            }
        }
        fclose(f);
    }
    if (d)
        closedir(d);
    return n;
}

