/* The writer: where report text goes. A buffered sink on a file descriptor,
 * opened on the destination HEAPSHIM_REPORT names. It formats nothing and
 * depends on nothing else of the shim's. */
#ifndef HS_WRITER_H
#define HS_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct hs_writer {
    int fd;
    bool owns_fd;
    size_t len;
    char buf[4096];
};

/* dest NULL or "stderr": file descriptor 2. Otherwise a path in which "%p"
 * becomes the process id; the file is created 0644 at most, never through a
 * symbolic link at its last component, never left world-writable if it is a
 * regular file (a device such as /dev/null is left as it is), and truncated
 * if `truncate`, else appended to. Falls back to stderr, saying so, when it
 * cannot be opened. */
void hs_writer_open(struct hs_writer *w, const char *dest, bool truncate);
/* Keeps a private copy of stderr for when the program closes fd 2 early. */
void hs_writer_save_stderr(void);

/* A file the shim writes to while the program runs (the trace), with its own
 * buffers: kept at a high descriptor, out of the way of those programs
 * choose, and opened again (appending) when the program has closed it or
 * reused its number. */
struct hs_kept_file {
    const char *dest;
    int fd;
    dev_t dev;
    ino_t ino;
};

/* Opens dest as hs_writer_open would, truncating it; false with errno set
 * when it cannot. */
bool hs_kept_file_open(struct hs_kept_file *f, const char *dest);
void hs_kept_file_write(struct hs_kept_file *f, const void *buf, size_t len);
void hs_kept_file_close(struct hs_kept_file *f);

void hs_writer_put(struct hs_writer *w, const char *s, size_t len);
void hs_writer_puts(struct hs_writer *w, const char *s);
void hs_writer_flush(struct hs_writer *w);
void hs_writer_close(struct hs_writer *w);

#endif
