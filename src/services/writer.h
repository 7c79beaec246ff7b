/* The writer: where report text goes. A buffered sink on a file descriptor,
 * opened on the destination HEAPSHIM_REPORT names. It formats nothing and
 * depends on nothing else of the shim's. */
#ifndef HS_WRITER_H
#define HS_WRITER_H

#include <stdbool.h>
#include <stddef.h>

struct hs_writer {
    int fd;
    bool owns_fd;
    size_t len;
    char buf[4096];
};

/* dest NULL or "stderr": file descriptor 2. Otherwise a path in which "%p"
 * becomes the process id; the file is created 0644 at most, never through a
 * symbolic link at its last component, never left world-writable, and
 * truncated if `truncate`, else appended to. Falls back to stderr, saying
 * so, when it cannot be opened. */
void hs_writer_open(struct hs_writer *w, const char *dest, bool truncate);
/* Keeps a private copy of stderr for when the program closes fd 2 early. */
void hs_writer_save_stderr(void);
/* The file opening and the raw writing hs_writer_open and hs_writer_flush
 * do, for a caller with its own buffers: a descriptor for dest (a path,
 * "%p" expanded, opened as above), or -1 with errno set. */
int hs_writer_open_file(const char *dest, bool truncate);
void hs_writer_write_all(int fd, const void *buf, size_t len);

void hs_writer_put(struct hs_writer *w, const char *s, size_t len);
void hs_writer_puts(struct hs_writer *w, const char *s);
void hs_writer_flush(struct hs_writer *w);
void hs_writer_close(struct hs_writer *w);

#endif
