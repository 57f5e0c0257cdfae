/* Files a command writes (--html, --save), opened before the process is
 * read and written whole at the end. GDB runs as root: the path is never
 * followed through a symbolic link, nothing is written into a FIFO, a
 * device or someone else's file, and the page appears at once (a
 * temporary file beside it, renamed over it) with the mode asked. */
#ifndef NGXMEM_OUTPUT_FILE_H
#define NGXMEM_OUTPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct output_file {
    const char *path;        /* as given; NULL: no file asked for */
    char *tmp;               /* the temporary file beside it; NULL: none */
    int fd;                  /* its descriptor, while tmp is set */
};

/* Check PATH and make its temporary file (MODE, the umask aside): PATH,
 * when it exists, must be a regular file (a symbolic link, FIFO or
 * directory is refused) this user owns; its directory must take a new
 * file. False + WHY. Release in every case. */
bool output_file_open(struct output_file *f, const char *path, mode_t mode, char *why,
                      size_t whylen);

/* Write LEN bytes of DATA and put the file in place of PATH. */
bool output_file_commit(struct output_file *f, const void *data, size_t len, char *why,
                        size_t whylen);

/* The temporary file removed, unless committed. */
void output_file_release(struct output_file *f);

/* The whole of a file to read (a saved report): a regular file (opening
 * never waits on a FIFO) of at most MAX bytes, NUL-terminated; *LEN its
 * length. NULL + WHY. Free the result. */
char *input_file_read(const char *path, size_t max, size_t *len, char *why, size_t whylen);

#endif
