/* The writer: where report text goes. A buffered sink on a file descriptor:
 * the stderr the process started with (stderr_origin.h) or a file opened
 * under the rules of outfile.h. It formats nothing and depends on nothing
 * else of the shim's.
 *
 * Every write leaves errno as it was and never raises SIGPIPE: a report
 * into a pipe nobody reads fails quietly instead of killing the program.
 * A write to a file that fails (a full disk, /dev/full, an I/O error) is
 * said once per process on stderr, for the report and for the trace. */
#ifndef HS_WRITER_H
#define HS_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "services/report/outfile.h"

struct hs_writer {
    int fd; /* -1: nowhere (stderr closed since the start) */
    bool owns_fd;
    const char *dest; /* the file named, NULL for stderr */
    int error;        /* the errno of the first failed write, or 0 */
    size_t len;
    char buf[4096];
};

/* dest NULL or "stderr": the process's stderr. Otherwise a path, opened for
 * appending under the rules of outfile.h and locked (flock) until
 * hs_writer_close, so that the reports of processes sharing the file never
 * interleave; the lock is waited for at most ten seconds, once per
 * process: after one wait ran out, later reports take it only if it is free
 * and are written without it otherwise. Falls back to
 * stderr, saying so and why, when the file cannot be opened. */
void hs_writer_open(struct hs_writer *w, const char *dest);

/* Appends len bytes (puts: a NUL-ended string) to the buffer, writing it
 * out whenever it fills. */
void hs_writer_put(struct hs_writer *w, const char *s, size_t len);
void hs_writer_puts(struct hs_writer *w, const char *s);
/* Writes the buffer out; after a failed write, later ones are dropped. */
void hs_writer_flush(struct hs_writer *w);
/* Flushes, says a write error of a file (once per process), unlocks and
 * closes what was opened. */
void hs_writer_close(struct hs_writer *w);

/* A file the shim writes to while the program runs (the trace). No
 * descriptor is held between writes: each write opens the file again by its
 * path, checks that it is the file first opened, appends with one write()
 * (whole chunks of processes and threads sharing the file never interleave)
 * and closes it. */
struct hs_kept_file {
    const char *dest;
    struct hs_file_id id;
    bool open;
};

/* Opens (creating it if needed) and checks dest as hs_writer_open would; false
 * with *why set when it cannot. */
bool hs_kept_file_open(struct hs_kept_file *f, const char *dest, const char **why);
/* Appends buf; a failure is said once per process on stderr. */
void hs_kept_file_write(struct hs_kept_file *f, const void *buf, size_t len);
void hs_kept_file_close(struct hs_kept_file *f);

#endif
