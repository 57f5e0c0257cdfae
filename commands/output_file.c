#define _GNU_SOURCE
#include "output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool output_file_open(struct output_file *f, const char *path, mode_t mode, char *why,
                      size_t whylen)
{
    f->path = path;
    f->tmp = NULL;
    f->fd = -1;
    struct stat st;
    if (!path[0]) {
        snprintf(why, whylen, "an empty file name");
        return false;
    }
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
            snprintf(why, whylen, "it is %s: not written",
                     S_ISLNK(st.st_mode)   ? "a symbolic link (never followed)"
                     : S_ISFIFO(st.st_mode) ? "a FIFO"
                     : S_ISDIR(st.st_mode)  ? "a directory"
                     : !S_ISREG(st.st_mode) ? "not a regular file"
                                            : "another user's file");
            return false;
        }
    } else if (errno != ENOENT) {
        snprintf(why, whylen, "%s", strerror(errno));
        return false;
    }
    char *copy = strdup(path);
    if (!copy || asprintf(&f->tmp, "%s/.ngxmem-XXXXXX", dirname(copy)) < 0)
        f->tmp = NULL;
    free(copy);
    if (!f->tmp) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    /* mkstemp: O_CREAT | O_EXCL, never through a link, 0600 */
    f->fd = mkostemp(f->tmp, O_CLOEXEC);
    if (f->fd < 0 || fchmod(f->fd, mode) != 0) {
        snprintf(why, whylen, "cannot create a file beside it: %s", strerror(errno));
        free(f->tmp);
        f->tmp = NULL;
        return false;
    }
    return true;
}

bool output_file_commit(struct output_file *f, const void *data, size_t len, char *why,
                        size_t whylen)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(why, whylen, "%s", n < 0 ? strerror(errno) : "short write");
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    int rc = close(f->fd);
    f->fd = -1;
    /* rename replaces a link planted meanwhile, never its target; on a
     * failure release still removes the temporary file */
    if (rc != 0 || rename(f->tmp, f->path) != 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return false;
    }
    free(f->tmp);
    f->tmp = NULL;
    return true;
}

void output_file_release(struct output_file *f)
{
    /* the descriptor is ours only while the temporary file is: a zeroed
     * struct's fd 0 is GDB's stdin */
    if (f->tmp) {
        if (f->fd >= 0)
            close(f->fd);
        unlink(f->tmp);
        free(f->tmp);
    }
    f->fd = -1;
    f->tmp = NULL;
}

char *input_file_read(const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    char *text = NULL;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, whylen, "cannot read it: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "not a regular file");
    } else if ((uint64_t)st.st_size > max) {
        snprintf(why, whylen, "%lld bytes: too big to be one", (long long)st.st_size);
    } else if (!(text = malloc((size_t)st.st_size + 1))) {
        snprintf(why, whylen, "out of memory");
    } else {
        size_t got = 0;
        ssize_t n = 1;
        while (got < (size_t)st.st_size &&
               ((n = read(fd, text + got, (size_t)st.st_size - got)) > 0 || (n < 0 && errno == EINTR)))
            got += n > 0 ? (size_t)n : 0;
        text[got] = '\0';
        *len = got;
    }
    if (fd >= 0)
        close(fd);
    return text;
}
