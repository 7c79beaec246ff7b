/* The stderr the process started with: a snapshot of descriptor 2 taken
 * once, a copy taken at the start of exit(), and a reopening by path.
 *
 * The copy at exit: glibc's exit() runs the destructors of thread_local
 * objects of the exiting thread before any atexit handler, so a thread
 * destructor registered for the main thread from the constructor sees
 * descriptor 2 before a program's atexit handler (coreutils' close_stdout)
 * closes it. The copy exists only from then on, while the process ends. A
 * process whose exit() is called by another thread, or that closed stderr
 * earlier, has no copy; its report reopens the terminal or file by path. */
#define _GNU_SOURCE
#include "stderr_origin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

enum state { UNSETTLED, CLOSED_AT_START, OPEN_AT_START };

struct identity {
    dev_t dev;
    ino_t ino;
    dev_t rdev;
    mode_t type;
};

static enum state state = UNSETTLED;
static struct identity origin;
/* The path of the file, when it has one ("/dev/pts/3", "/home/u/err"); empty
 * for a pipe or a socket, which cannot be opened by name. */
static char origin_path[PATH_MAX];
static int exit_copy = -1;

/* Numbers for the copy: out of the way of those a program picks itself. */
#define COPY_MIN_FD 700

extern void *__dso_handle;
int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso_symbol);

static bool identify(int fd, struct identity *id)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return false;
    *id = (struct identity){st.st_dev, st.st_ino, st.st_rdev, st.st_mode & S_IFMT};
    return true;
}

static bool is_origin(int fd)
{
    struct identity now;
    return identify(fd, &now) && now.dev == origin.dev && now.ino == origin.ino &&
           now.rdev == origin.rdev && now.type == origin.type;
}

static void snapshot(void)
{
    if (!identify(2, &origin)) {
        state = CLOSED_AT_START;
        return;
    }
    ssize_t n = readlink("/proc/self/fd/2", origin_path, sizeof origin_path - 1);
    origin_path[n > 0 && origin_path[0] == '/' ? n : 0] = '\0';
    state = OPEN_AT_START;
}

static void copy_at_exit(void *unused)
{
    (void)unused;
    int saved = errno;
    if (state == OPEN_AT_START && exit_copy < 0 && is_origin(2)) {
        exit_copy = fcntl(2, F_DUPFD_CLOEXEC, COPY_MIN_FD);
        if (exit_copy < 0)
            exit_copy = fcntl(2, F_DUPFD_CLOEXEC, 3);
    }
    errno = saved;
}

void hs_stderr_settle(void)
{
    int saved = errno;
    if (state == UNSETTLED)
        snapshot();
    if (state == OPEN_AT_START)
        __cxa_thread_atexit_impl(copy_at_exit, NULL, &__dso_handle);
    errno = saved;
}

/* "/proc/self/fd/N" into buf. */
static void fd_path(char *buf, int fd)
{
    static const char prefix[] = "/proc/self/fd/";
    char digits[12];
    int n = 0;
    do
        digits[n++] = (char)('0' + fd % 10);
    while ((fd /= 10) > 0);
    char *p = buf;
    for (const char *s = prefix; *s; s++)
        *p++ = *s;
    while (n > 0)
        *p++ = digits[--n];
    *p = '\0';
}

/* The origin opened again by its path, if it is still there: looked at
 * through an O_PATH descriptor first, so that nothing else is ever opened
 * for writing (no side effect of opening a device put in its place). */
static int reopen_origin(void)
{
    if (!origin_path[0])
        return -1;
    int probe = open(origin_path, O_PATH | O_CLOEXEC);
    if (probe < 0)
        return -1;
    int fd = -1;
    if (is_origin(probe)) {
        char path[32];
        fd_path(path, probe);
        fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
        if (flags != -1)
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    close(probe);
    return fd;
}

int hs_stderr_open(bool *owned)
{
    int saved = errno;
    int fd = -1;
    *owned = false;
    if (state == UNSETTLED)
        snapshot();
    if (state == OPEN_AT_START) {
        if (is_origin(2))
            fd = 2;
        else if (exit_copy >= 0 && is_origin(exit_copy))
            fd = exit_copy;
        else if ((fd = reopen_origin()) >= 0)
            *owned = true;
    }
    errno = saved;
    return fd;
}
