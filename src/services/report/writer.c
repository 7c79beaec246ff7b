/* The writer: a buffered sink on a file descriptor, with writes that cannot
 * raise SIGPIPE, wait on a descriptor the program made non-blocking, and
 * say once when a file cannot be written. */
#define _GNU_SOURCE
#include "services/report/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "services/report/escape.h"
#include "services/report/stderr_origin.h"

/* ---- writing ---- */

/* write() until done or failed, with SIGPIPE blocked: a write into a pipe
 * with no reader then fails with EPIPE, and the SIGPIPE it raised at this
 * thread is taken back unless one was pending already. Returns 0 or the
 * errno of the failure. */
static int write_all(int fd, const void *data, size_t len)
{
    int saved = errno, error = 0;
    sigset_t pipe_only, old, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    const char *buf = data;
    while (len > 0 && !error) {
        ssize_t n = write(fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, -1);
        } else if (!(n < 0 && errno == EINTR)) {
            error = n < 0 ? errno : EIO;
        }
    }
    if (error == EPIPE && !was_pending) {
        static const struct timespec now = {0, 0};
        sigtimedwait(&pipe_only, NULL, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return error;
}

/* An empty writer, bound to nothing yet. */
static void writer_init(struct hs_writer *w)
{
    w->fd = -1;
    w->owns_fd = false;
    w->dest = NULL;
    w->error = 0;
    w->len = 0;
}

/* "heapshim: cannot write the WHAT to PATH: WHY" on stderr, once per flag;
 * PATH is dest with %p expanded, escaped (it is the user's bytes). */
static void say_write_error(bool *said, const char *what, const char *dest, const char *why)
{
    if (__atomic_exchange_n(said, true, __ATOMIC_RELAXED))
        return;
    char path[4096];
    if (!hs_outfile_expand(path, sizeof path, dest))
        path[0] = '\0';
    struct hs_writer w;
    writer_init(&w);
    w.fd = hs_stderr_open(&w.owns_fd);
    hs_writer_puts(&w, "heapshim: cannot write the ");
    hs_writer_puts(&w, what);
    hs_writer_puts(&w, " to ");
    hs_text_string(&w, path);
    hs_writer_puts(&w, ": ");
    hs_writer_puts(&w, why);
    hs_writer_puts(&w, "\n");
    hs_writer_close(&w);
}

/* ---- the report's writer ---- */

static bool report_error_said;

/* Set once a wait for the lock has run out: from then on the process takes
 * the lock only if it is free at once. */
static bool lock_given_up;

/* flock, waited for at most ten seconds once per process: a process stopped
 * while it holds the lock must not stop every other one at exit, nor make
 * each report of a process with many errors wait again. */
static void lock_file(int fd)
{
    long bound_ms = __atomic_load_n(&lock_given_up, __ATOMIC_RELAXED) ? 0 : 10000;
    for (long waited_ms = 0, step = 1;; waited_ms += step) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 || (errno != EWOULDBLOCK && errno != EINTR))
            return;
        if (waited_ms >= bound_ms)
            break;
        struct timespec pause = {0, step * 1000000};
        nanosleep(&pause, NULL);
        if (step < 50)
            step *= 2;
    }
    __atomic_store_n(&lock_given_up, true, __ATOMIC_RELAXED);
}

void hs_writer_open(struct hs_writer *w, const char *dest)
{
    int saved = errno;
    writer_init(w);
    const char *why = NULL;
    if (dest && strcmp(dest, "stderr") != 0) {
        struct hs_file_id id;
        w->fd = hs_outfile_open(dest, true, NULL, &id, &why);
        if (w->fd >= 0) {
            w->owns_fd = true;
            w->dest = dest;
            lock_file(w->fd);
        }
    }
    if (w->fd < 0)
        w->fd = hs_stderr_open(&w->owns_fd);
    if (why) {
        hs_writer_puts(w, "heapshim: cannot open the report file HEAPSHIM_REPORT=");
        hs_text_string(w, dest);
        hs_writer_puts(w, ": ");
        hs_writer_puts(w, why);
        hs_writer_puts(w, "; writing to stderr instead\n");
    }
    errno = saved;
}

void hs_writer_put(struct hs_writer *w, const char *s, size_t len)
{
    while (len > 0) {
        if (w->len == sizeof w->buf)
            hs_writer_flush(w);
        size_t room = sizeof w->buf - w->len;
        size_t n = len < room ? len : room;
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        s += n;
        len -= n;
    }
}

void hs_writer_puts(struct hs_writer *w, const char *s) { hs_writer_put(w, s, strlen(s)); }

void hs_writer_flush(struct hs_writer *w)
{
    if (w->fd >= 0 && w->len > 0 && !w->error)
        w->error = write_all(w->fd, w->buf, w->len);
    w->len = 0;
}

void hs_writer_close(struct hs_writer *w)
{
    int saved = errno;
    hs_writer_flush(w);
    if (w->error && w->dest)
        say_write_error(&report_error_said, "report", w->dest, hs_errno_text(w->error));
    if (w->owns_fd)
        close(w->fd); /* releases the lock */
    w->owns_fd = false;
    w->fd = -1;
    errno = saved;
}

/* ---- the trace's file ---- */

static bool trace_error_said;

bool hs_kept_file_open(struct hs_kept_file *f, const char *dest, const char **why)
{
    f->dest = dest;
    int fd = hs_outfile_open(dest, true, NULL, &f->id, why);
    f->open = fd >= 0;
    if (fd >= 0) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return f->open;
}

void hs_kept_file_write(struct hs_kept_file *f, const void *buf, size_t len)
{
    if (!f->open)
        return;
    int saved = errno;
    const char *why;
    struct hs_file_id id;
    int fd = hs_outfile_open(f->dest, false, &f->id, &id, &why);
    int error = fd >= 0 ? write_all(fd, buf, len) : 0;
    if (fd >= 0)
        close(fd);
    if (fd < 0 || error)
        say_write_error(&trace_error_said, "trace", f->dest, fd < 0 ? why : hs_errno_text(error));
    errno = saved;
}

void hs_kept_file_close(struct hs_kept_file *f) { f->open = false; }
