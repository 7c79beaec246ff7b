/* The writer: a buffered sink on a file descriptor. */
#define _GNU_SOURCE
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A private copy of the program's stderr, for when the program has closed
 * fd 2 before the exit report (as coreutils do). Kept at a high number, out
 * of the way of descriptors programs choose themselves, and recognised by
 * its device and inode in case the program has reused the number. */
#define SAVED_STDERR_MIN_FD 700

static int saved_stderr = -1;
static dev_t saved_dev;
static ino_t saved_ino;

void hs_writer_save_stderr(void)
{
    int saved = errno;
    struct stat st;
    int fd = fcntl(2, F_DUPFD_CLOEXEC, SAVED_STDERR_MIN_FD);
    if (fd >= 0 && fstat(fd, &st) == 0) {
        saved_stderr = fd;
        saved_dev = st.st_dev;
        saved_ino = st.st_ino;
    } else if (fd >= 0) {
        close(fd);
    }
    errno = saved;
}

static int stderr_fd(void)
{
    struct stat st;
    if (fcntl(2, F_GETFD) != -1 || saved_stderr < 0)
        return 2;
    if (fstat(saved_stderr, &st) == 0 && st.st_dev == saved_dev && st.st_ino == saved_ino)
        return saved_stderr;
    return 2;
}

static void write_all(int fd, const void *data, size_t len)
{
    int saved = errno;
    const char *buf = data;
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        buf += n;
        len -= (size_t)n;
    }
    errno = saved;
}

/* Copies dest into path with each "%p" replaced by the process id. */
static bool expand_path(char *path, size_t cap, const char *dest)
{
    char pid[24];
    int pid_len = 0;
    for (unsigned long v = (unsigned long)getpid(); pid_len == 0 || v; v /= 10)
        pid[pid_len++] = (char)('0' + v % 10);
    size_t n = 0;
    for (const char *s = dest; *s; s++) {
        if (s[0] == '%' && s[1] == 'p') {
            for (int i = pid_len - 1; i >= 0; i--) {
                if (n + 1 >= cap)
                    return false;
                path[n++] = pid[i];
            }
            s++;
        } else {
            if (n + 1 >= cap)
                return false;
            path[n++] = *s;
        }
    }
    path[n] = '\0';
    return true;
}

static int open_file(const char *dest, bool truncate)
{
    char path[4096];
    if (!expand_path(path, sizeof path, dest))
        return -1;
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | (truncate ? O_TRUNC : 0);
    int fd = open(path, flags, 0644);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IWOTH))
        fchmod(fd, st.st_mode & ~(mode_t)S_IWOTH);
    return fd;
}

void hs_writer_open(struct hs_writer *w, const char *dest, bool truncate)
{
    int saved = errno;
    w->fd = stderr_fd();
    w->owns_fd = false;
    w->len = 0;
    if (dest && strcmp(dest, "stderr") != 0) {
        int fd = open_file(dest, truncate);
        int open_errno = errno;
        if (fd >= 0) {
            w->fd = fd;
            w->owns_fd = true;
        } else {
            hs_writer_puts(w, "heapshim: cannot open the report file HEAPSHIM_REPORT=");
            hs_writer_puts(w, dest);
            hs_writer_puts(w, ": ");
            /* strerrordesc_np: untranslated, so it cannot allocate. */
            const char *why = strerrordesc_np(open_errno);
            hs_writer_puts(w, why ? why : "unknown error");
            hs_writer_puts(w, "; writing to stderr instead\n");
        }
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

void hs_writer_puts(struct hs_writer *w, const char *s)
{
    hs_writer_put(w, s, strlen(s));
}

void hs_writer_flush(struct hs_writer *w)
{
    write_all(w->fd, w->buf, w->len);
    w->len = 0;
}

void hs_writer_close(struct hs_writer *w)
{
    hs_writer_flush(w);
    if (w->owns_fd) {
        int saved = errno;
        close(w->fd);
        errno = saved;
    }
    w->owns_fd = false;
}

#define KEPT_MIN_FD 750

/* Moves fd (if valid) to a high number and records what it is. */
static bool keep_high(struct hs_kept_file *f, int fd)
{
    struct stat st;
    int high = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, KEPT_MIN_FD) : -1;
    int why = errno;
    if (fd >= 0)
        close(fd);
    f->fd = -1;
    if (high >= 0 && fstat(high, &st) == 0) {
        f->fd = high;
        f->dev = st.st_dev;
        f->ino = st.st_ino;
    } else if (high >= 0) {
        close(high);
    }
    errno = why;
    return f->fd >= 0;
}

bool hs_kept_file_open(struct hs_kept_file *f, const char *dest)
{
    f->dest = dest;
    return keep_high(f, open_file(dest, true));
}

void hs_kept_file_write(struct hs_kept_file *f, const void *buf, size_t len)
{
    int saved = errno;
    struct stat st;
    /* Not ours any more: the number is never closed here, as it may be the
     * program's now. */
    if (f->fd >= 0 && (fstat(f->fd, &st) != 0 || st.st_dev != f->dev || st.st_ino != f->ino))
        keep_high(f, open_file(f->dest, false));
    if (f->fd >= 0)
        write_all(f->fd, buf, len);
    errno = saved;
}

void hs_kept_file_close(struct hs_kept_file *f)
{
    int saved = errno;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    errno = saved;
}
