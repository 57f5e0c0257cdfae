#include "core_file.h"

#include "auxv.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* NT_FILE: count, page size, count x {start, end, page offset}, names. */
static void nt_file(const char *desc, size_t size, core_file_fn file, void *arg)
{
    if (size < 16)
        return;
    const uint64_t *d = (const uint64_t *)desc;
    uint64_t count = d[0], page = d[1], max = (size - 16) / 24;
    if (count > max)
        return;
    const char *names = (const char *)(d + 2 + 3 * count), *end = desc + size;
    for (uint64_t k = 0; k < count && names < end; k++) {
        size_t n = strnlen(names, (size_t)(end - names));
        if (names + n == end)
            break;   /* the last name unterminated: not a note to trust */
        file(arg, d[2 + 3 * k], d[2 + 3 * k + 1], d[2 + 3 * k + 2] * page, names);
        names += n + 1;
    }
}

/* Each PT_LOAD to SEGMENT, each note to NOTE (either may be NULL). */
typedef void (*core_note_fn)(void *arg, uint32_t type, const char *desc, size_t size);

static bool core_walk(const char *path, core_segment_fn segment, void *segment_arg,
                      core_note_fn note, void *note_arg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return false;
    }
    uint64_t file_size = (uint64_t)st.st_size;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    GElf_Ehdr eh;
    size_t nph = 0;
    bool ok = e && gelf_getehdr(e, &eh) && eh.e_type == ET_CORE && elf_getphdrnum(e, &nph) == 0;
    for (size_t i = 0; ok && i < nph; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph))
            continue;
        if (ph.p_type == PT_LOAD && segment) {
            /* a truncated core (a full disk, a cut copy) holds less than
             * its headers say: only what the file has counts */
            uint64_t in_file = ph.p_offset >= file_size ? 0 : file_size - ph.p_offset;
            uint64_t held = ph.p_filesz < in_file ? ph.p_filesz : in_file;
            /* and never more than the memory it stands for */
            held = held < ph.p_memsz ? held : ph.p_memsz;
            struct core_segment s = { ph.p_vaddr, ph.p_vaddr + ph.p_memsz, held, ph.p_filesz,
                                      ph.p_flags & PF_R, ph.p_flags & PF_W, ph.p_flags & PF_X };
            segment(segment_arg, &s);
        }
        if (ph.p_type != PT_NOTE || !note)
            continue;
        Elf_Data *data = elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
        GElf_Nhdr nh;
        size_t off = 0, name_off, desc_off;
        while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0)
            note(note_arg, nh.n_type, (const char *)data->d_buf + desc_off, nh.n_descsz);
    }
    if (e)
        elf_end(e);
    close(fd);
    return ok;
}

struct file_notes {
    core_file_fn file;
    void *arg;
};

static void file_note(void *arg, uint32_t type, const char *desc, size_t size)
{
    struct file_notes *f = arg;
    if (type == NT_FILE)
        nt_file(desc, size, f->file, f->arg);
}

bool core_file_read(const char *path, core_segment_fn segment, core_file_fn file, void *arg)
{
    struct file_notes f = { file, arg };
    return core_walk(path, segment, arg, file ? file_note : NULL, &f);
}

struct auxv_query {
    const uint64_t *types;
    uint64_t *values;
    int n;
    bool found;
};

static void auxv_note(void *arg, uint32_t type, const char *desc, size_t size)
{
    struct auxv_query *q = arg;
    if (type == NT_AUXV && !q->found)
        q->found = auxv_values(desc, size, q->types, q->values, q->n);
}

bool core_file_auxv(const char *path, const uint64_t *types, uint64_t *values, int n)
{
    struct auxv_query q = { types, values, n, false };
    core_walk(path, NULL, NULL, auxv_note, &q);
    return q.found;
}

struct sp_query {
    uint64_t *sp;
    int n, max;
};

/* struct elf_prstatus: pr_reg (user_regs_struct) at 112; rsp is its 20th
 * word */
enum { PRSTATUS_REG = 112, REG_RSP = 19 };

static void prstatus_note(void *arg, uint32_t type, const char *desc, size_t size)
{
    struct sp_query *q = arg;
    if (type != NT_PRSTATUS || size < PRSTATUS_REG + 8 * (REG_RSP + 1) || q->n == q->max)
        return;
    memcpy(&q->sp[q->n++], desc + PRSTATUS_REG + 8 * REG_RSP, 8);
}

int core_file_stack_pointers(const char *path, uint64_t *sp, int max)
{
    struct sp_query q = { sp, 0, max };
    core_walk(path, NULL, NULL, prstatus_note, &q);
    return q.n;
}
