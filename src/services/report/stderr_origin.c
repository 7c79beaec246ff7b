/* The stderr the process started with: a snapshot of descriptor 2 taken
 * once, a copy of it taken when exit() begins, and a reopening by path,
 * checked through an O_PATH descriptor.
 *
 * Opening again by path is done only when descriptor 2 was opened for
 * writing and the process runs with its user's credentials (no secure
 * execution): otherwise it would let a setuid program write where its user
 * may not (`2< /etc/shadow`, closed at exit by the program), so a secure
 * process writes to descriptor 2 or its exit copy, or nowhere.
 *
 * The copy is the only way to a pipe or a socket that the program closes in
 * an atexit handler. glibc's exit() runs the exiting thread's thread_local
 * destructors (registered with __cxa_thread_atexit_impl) before any atexit,
 * on_exit or __cxa_atexit handler, so one registered for the main thread
 * from the constructor runs first. The descriptor it takes exists only
 * while the process exits (from the main thread's pthread_exit on, if it
 * ends so), never while main runs, and is close-on-exec: a child the
 * program starts from an exit handler does not get it. Registering makes
 * glibc calloc a record; the constructor does it in an own scope
 * (wrappers.h), so no wrapper counts it and no report shows it. */
#define _GNU_SOURCE
#include "services/report/stderr_origin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services/core/os.h"

enum state { UNSETTLED, CLOSED_AT_START, OPEN_AT_START };

struct identity {
    dev_t dev;
    ino_t ino;
    dev_t rdev;
    mode_t type;
    uid_t owner;
};

static enum state state = UNSETTLED;
static struct identity origin;
/* The path of the file, when it has one ("/dev/pts/3", "/home/u/err") and it
 * may be opened again; empty for a pipe or a socket, which cannot be opened
 * by name, for a descriptor 2 not opened for writing (`prog 2<file`: the
 * file is not the program's to write), and in secure execution, where the
 * process's credentials are not its user's (a setuid program). */
static char origin_path[PATH_MAX];

/* glibc's registration of a thread_local destructor (glibc 2.18 and
 * later); absent elsewhere, and then there is no copy. */
extern int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso_symbol)
    __attribute__((weak));
extern void *__dso_handle __attribute__((visibility("hidden")));

/* The copy is numbered from here, clear of the low numbers programs
 * juggle, unless RLIMIT_NOFILE allows fewer descriptors. */
enum { KEPT_FD_MIN = 700 };
/* The copy of descriptor 2 taken when exit() began, or -1. */
static int kept_fd = -1;

static bool identify(int fd, struct identity *id)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return false;
    *id = (struct identity){st.st_dev, st.st_ino, st.st_rdev, st.st_mode & S_IFMT, st.st_uid};
    return true;
}

/* Whether fd is the origin; with same_owner, also still owned by the same
 * user (a terminal's number, freed by the program's daemon() and given to
 * another user's login, names a new terminal with the same identity). */
static bool is_origin(int fd, bool same_owner)
{
    struct identity now;
    return identify(fd, &now) && now.dev == origin.dev && now.ino == origin.ino &&
           now.rdev == origin.rdev && now.type == origin.type &&
           (!same_owner || now.owner == origin.owner);
}

/* Whether descriptor 2 may be opened again by its path: opened for writing,
 * and the process's credentials are its user's. */
static bool may_reopen(void)
{
    int flags = fcntl(2, F_GETFL);
    int mode = flags & O_ACCMODE;
    return flags != -1 && !(flags & O_PATH) && (mode == O_WRONLY || mode == O_RDWR) &&
           getauxval(AT_SECURE) == 0;
}

static void snapshot(void)
{
    if (!identify(2, &origin)) {
        state = CLOSED_AT_START;
        return;
    }
    ssize_t n = may_reopen() ? readlink("/proc/self/fd/2", origin_path, sizeof origin_path - 1) : 0;
    origin_path[n > 0 && origin_path[0] == '/' ? n : 0] = '\0';
    state = OPEN_AT_START;
}

void hs_stderr_settle(void)
{
    int saved = errno;
    if (state == UNSETTLED)
        snapshot();
    errno = saved;
}

/* The hook run when exit() begins on the main thread. */
static void keep_copy(void *unused)
{
    (void)unused;
    int saved = errno;
    if (state == OPEN_AT_START && __atomic_load_n(&kept_fd, __ATOMIC_RELAXED) < 0 &&
        is_origin(2, false)) {
        int fd = fcntl(2, F_DUPFD_CLOEXEC, KEPT_FD_MIN);
        if (fd < 0)
            fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
        __atomic_store_n(&kept_fd, fd, __ATOMIC_RELEASE);
    }
    errno = saved;
}

void hs_stderr_keep_at_exit(void)
{
    if (__cxa_thread_atexit_impl)
        __cxa_thread_atexit_impl(keep_copy, NULL, &__dso_handle);
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
    if (is_origin(probe, true)) {
        char path[32];
        hs_os_fd_path(path, probe);
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
        int kept = __atomic_load_n(&kept_fd, __ATOMIC_ACQUIRE);
        if (is_origin(2, false))
            fd = 2;
        else if (kept >= 0 && is_origin(kept, false))
            fd = kept;
        else if ((fd = reopen_origin()) >= 0)
            *owned = true;
    }
    errno = saved;
    return fd;
}
