/* Files the shim writes to: every open goes through the directory, held
 * open with O_PATH, so that the checks on the directory (sticky, writable by
 * others, owner) and on the file (type, owner) are about the file that is
 * then opened: the file is looked at with fstatat, opened with openat, and
 * its identity compared after the open, so a file swapped in between is
 * refused, not written. */
#define _GNU_SOURCE
#include "services/report/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool hs_outfile_expand(char *path, size_t cap, const char *dest)
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

const char *hs_file_type_name(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFCHR: return "a character device";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFBLK: return "a block device";
    case S_IFLNK: return "a symbolic link";
    default: return "a file of unknown type";
    }
}

const char *hs_errno_text(int error)
{
    /* strerrordesc_np: untranslated, so it cannot allocate. */
    const char *why = strerrordesc_np(error);
    return why ? why : "unknown error";
}

/* A sticky directory that its group or others may write to (/tmp). */
static bool shared_sticky(const struct stat *dir)
{
    return (dir->st_mode & S_ISVTX) && (dir->st_mode & (S_IWGRP | S_IWOTH));
}

/* The protected_regular rule at its strictest: in a shared sticky
 * directory, only files of the process's user or of the directory's owner. */
static bool planted(const struct stat *file, const struct stat *dir)
{
    return shared_sticky(dir) && file->st_uid != geteuid() && file->st_uid != dir->st_uid;
}

/* The protected_hardlinks rule, where the kernel may not apply it: in a
 * shared sticky directory, a regular file with another name elsewhere may
 * be a link to a file of someone else's, planted there. */
static bool linked(const struct stat *file, const struct stat *dir)
{
    return shared_sticky(dir) && S_ISREG(file->st_mode) && file->st_nlink != 1;
}

/* Why an existing file may not be written, or NULL if it may. */
static const char *refusal(const struct stat *file, const struct stat *dir)
{
    switch (file->st_mode & S_IFMT) {
    case S_IFREG:
    case S_IFCHR: break;
    case S_IFLNK: return "a symbolic link, which heapshim does not follow";
    case S_IFIFO: return "a FIFO, not a regular file or a character device";
    case S_IFSOCK: return "a socket, not a regular file or a character device";
    case S_IFDIR: return "a directory, not a regular file or a character device";
    default:
        return "a block device or other special file, not a regular file or a "
               "character device";
    }
    if (planted(file, dir))
        return "a file of another user in a sticky directory that others can write to (the "
               "kernel's protected_regular rule); heapshim leaves it untouched";
    if (linked(file, dir))
        return "a file with more than one name (a hard link) in a sticky directory that others "
               "can write to; heapshim leaves it untouched";
    return NULL;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Opens an existing file base in dirfd after checking it; -1 with *why, and
 * errno ENOENT if it vanished or EAGAIN if it was swapped (the caller may
 * try again). */
static int open_existing(int dirfd, const char *base, const struct stat *dir, const char **why)
{
    struct stat before, after;
    if (fstatat(dirfd, base, &before, AT_SYMLINK_NOFOLLOW) != 0) {
        *why = hs_errno_text(errno);
        return -1;
    }
    if ((*why = refusal(&before, dir)) != NULL) {
        errno = EPERM;
        return -1;
    }
    int fd =
        openat(dirfd, base, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *why = hs_errno_text(errno);
        return -1;
    }
    if (fstat(fd, &after) != 0 || !same_file(&before, &after)) {
        close(fd);
        *why = "the file changed while it was being opened";
        errno = EAGAIN;
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags != -1)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

/* Opens path, split at its last '/' into directory and name. */
static int open_in_directory(char *path, bool create, const char **why)
{
    char *slash = strrchr(path, '/');
    const char *dir_name = ".", *base = path;
    if (slash) {
        *slash = '\0';
        dir_name = slash == path ? "/" : path;
        base = slash + 1;
    }
    if (!*base) {
        *why = "a directory, not a file";
        return -1;
    }
    int dirfd = open(dir_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat dir;
    if (dirfd < 0 || fstat(dirfd, &dir) != 0) {
        *why = hs_errno_text(errno);
        if (dirfd >= 0)
            close(dirfd);
        return -1;
    }
    int fd = -1;
    /* A file removed or created between two steps: look again, a few times. */
    for (int attempt = 0; attempt < 4 && fd < 0; attempt++) {
        if (create) {
            fd = openat(dirfd, base,
                        O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                        0644);
            if (fd >= 0 || errno != EEXIST) {
                if (fd < 0)
                    *why = hs_errno_text(errno);
                break;
            }
        }
        fd = open_existing(dirfd, base, &dir, why);
        if (fd < 0 && !(create && (errno == ENOENT || errno == EAGAIN)))
            break;
    }
    close(dirfd);
    return fd;
}

int hs_outfile_open(const char *dest, bool create, const struct hs_file_id *expect,
                    struct hs_file_id *id, const char **why)
{
    int saved = errno;
    char path[4096];
    struct stat st;
    int fd = -1;
    if (!hs_outfile_expand(path, sizeof path, dest))
        *why = "the path is too long";
    else
        fd = open_in_directory(path, create, why);
    if (fd >= 0 && fstat(fd, &st) != 0) {
        *why = hs_errno_text(errno);
        close(fd);
        fd = -1;
    }
    if (fd >= 0 && expect && (st.st_dev != expect->dev || st.st_ino != expect->ino)) {
        *why = "the file was replaced since heapshim first opened it";
        close(fd);
        fd = -1;
    }
    if (fd >= 0) {
        id->dev = st.st_dev;
        id->ino = st.st_ino;
    }
    errno = saved;
    return fd;
}
