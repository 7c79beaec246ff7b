/* The OS layer: thin wrappers over system calls that leave errno as it was. */
#define _GNU_SOURCE
#include "services/core/os.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

size_t hs_os_page_size(void)
{
    static size_t page;
    if (!page) {
        int saved = errno;
        page = (size_t)sysconf(_SC_PAGESIZE);
        errno = saved;
    }
    return page;
}

/* Never MAP_NORESERVE: that flag takes a mapping out of the kernel's
 * overcommit accounting, for good (a later mprotect to writable is not
 * charged either). */
void *hs_os_map(size_t len, bool prot_none)
{
    int saved = errno;
    int prot = prot_none ? PROT_NONE : PROT_READ | PROT_WRITE;
    /* cppcheck 2.10's posix.cfg takes fd -1 for invalid; MAP_ANONYMOUS wants it. */
    /* cppcheck-suppress invalidFunctionArg */
    void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* A reservation holds nothing yet. gdb's gcore writes out every mapping
     * not marked VM_DONTDUMP, inaccessible or not (the kernel's own dumps
     * skip untouched pages): the arena's 4 TiB made a 4 TiB core. */
    if (p != MAP_FAILED && prot_none)
        madvise(p, len, MADV_DONTDUMP);
    errno = saved;
    return p == MAP_FAILED ? NULL : p;
}

bool hs_os_unmap(void *addr, size_t len)
{
    int saved = errno;
    int rc = munmap(addr, len);
    errno = saved;
    return rc == 0;
}

void hs_os_discard(void *addr, size_t len)
{
    int saved = errno;
    madvise(addr, len, MADV_DONTNEED);
    errno = saved;
}

void hs_os_advise_huge(void *addr, size_t len)
{
    int saved = errno;
    madvise(addr, len, MADV_HUGEPAGE);
    errno = saved;
}

bool hs_os_resident(void *addr, size_t len, unsigned char *resident)
{
    int saved = errno;
    int rc = mincore(addr, len, resident);
    errno = saved;
    return rc == 0;
}

bool hs_os_writable(uintptr_t addr)
{
    int saved = errno;
    long rc = syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, (void *)addr, sizeof(uint64_t));
    errno = saved;
    return rc == 0;
}

bool hs_os_protect(void *addr, size_t len, bool accessible)
{
    int saved = errno;
    int rc = mprotect(addr, len, accessible ? PROT_READ | PROT_WRITE : PROT_NONE);
    errno = saved;
    return rc == 0;
}

bool hs_os_seal(void *addr, size_t len)
{
    int saved = errno;
    int rc = mprotect(addr, len, PROT_READ);
    errno = saved;
    return rc == 0;
}

bool hs_os_decommit(void *addr, size_t len)
{
    int saved = errno;
    /* fd -1 as above; the new mapping replaces part of one the caller owns,
     * so nothing leaks where cppcheck sees a mapping dropped. */
    /* cppcheck-suppress invalidFunctionArg */
    void *p = mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    errno = saved;
    /* cppcheck-suppress memleak */
    return p == addr;
}

/* mprotect, not a mapping over the range: it is charged (the reservation's
 * pages are not MAP_NORESERVE), and when the overcommit check refuses, it
 * fails leaving the range reserved, where a MAP_FIXED mapping may first
 * have unmapped it (kernels before 6.12), leaving a hole another mmap could
 * take. Over several mappings mprotect may fail part way: what it changed
 * is reserved again. */
bool hs_os_commit(void *addr, size_t len)
{
    int saved = errno;
    int rc = mprotect(addr, len, PROT_READ | PROT_WRITE);
    /* Out of core dumps as part of the reservation, in them from now on. */
    if (rc == 0)
        madvise(addr, len, MADV_DODUMP);
    errno = saved;
    if (rc != 0)
        hs_os_decommit(addr, len);
    return rc == 0;
}

void *hs_os_remap_to(void *addr, size_t old_len, size_t new_len, void *dest)
{
    int saved = errno;
    void *p = mremap(addr, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
    errno = saved;
    return p == MAP_FAILED ? NULL : p;
}

uint64_t hs_os_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

/* One round of a 64-bit mixer: every output bit depends on every input
 * bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 31;
    x *= 0xd6e8feb86659fd93u;
    x ^= x >> 29;
    x *= 0xa3b195354a39b70du;
    return x ^ x >> 32;
}

/* Where getrandom(2) fails: the 16 bytes of AT_RANDOM (which glibc also
 * uses for the stack guard, so they are mixed, never returned as they
 * are), the clock and a call counter. */
static uint64_t random_fallback(void)
{
    static uint64_t calls;
    uint64_t seed[2];
    struct timespec now;
    memcpy(seed, (const void *)getauxval(AT_RANDOM), sizeof seed);
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
    uint64_t x = mix64(seed[0] ^ mix64(seed[1] + n) ^ (uint64_t)now.tv_nsec);
    return mix64(x ^ (uint64_t)now.tv_sec ^ (uintptr_t)&now);
}

uint64_t hs_os_random(void)
{
    int saved = errno;
    uint64_t r;
    long got;
    do
        got = syscall(SYS_getrandom, &r, sizeof r, GRND_NONBLOCK);
    while (got < 0 && errno == EINTR);
    errno = saved;
    return got == (long)sizeof r ? r : random_fallback();
}

void *hs_os_remap(void *addr, size_t old_len, size_t new_len)
{
    int saved = errno;
    void *p = mremap(addr, old_len, new_len, MREMAP_MAYMOVE);
    errno = saved;
    return p == MAP_FAILED ? NULL : p;
}

/* read() until the end of the file or len-1 bytes, NUL-ended; -1 with
 * *error on a failure. */
static ssize_t read_to_end(int fd, char *buf, size_t len, int *error)
{
    ssize_t total = 0;
    while ((size_t)total + 1 < len) {
        ssize_t n = read(fd, buf + total, len - 1 - (size_t)total);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *error = errno;
            return -1;
        }
        if (n == 0)
            break;
        total += n;
    }
    buf[total] = '\0';
    return total;
}

ssize_t hs_os_read_file(const char *path, char *buf, size_t len)
{
    int saved = errno, error;
    ssize_t total = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        total = read_to_end(fd, buf, len, &error);
        close(fd);
    }
    errno = saved;
    return total;
}

void hs_os_fd_path(char *buf, int fd)
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

/* The file is looked at through an O_PATH descriptor, which opens nothing,
 * and only a regular file is then opened, through that descriptor: a device
 * named is never opened (no side effect of opening a tape or a modem), and
 * a file swapped in between is not the one read. */
ssize_t hs_os_read_regular_file(const char *path, char *buf, size_t len, int *error, mode_t *mode)
{
    int saved = errno;
    struct stat st;
    ssize_t total = -1;
    *error = 0;
    int probe = open(path, O_PATH | O_CLOEXEC);
    if (probe < 0 || fstat(probe, &st) != 0) {
        *error = errno;
    } else if (!S_ISREG(st.st_mode)) {
        *mode = st.st_mode;
    } else {
        char through[32];
        hs_os_fd_path(through, probe);
        int fd = open(through, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            *error = errno;
        } else {
            total = read_to_end(fd, buf, len, error);
            close(fd);
        }
    }
    if (probe >= 0)
        close(probe);
    errno = saved;
    return total;
}

bool hs_os_getcwd(char *buf, size_t len)
{
    int saved = errno;
    /* With a buffer given, glibc's getcwd is the system call: no allocation. */
    bool ok = getcwd(buf, len) != NULL && buf[0] == '/';
    errno = saved;
    return ok;
}

int hs_os_open(const char *path)
{
    int saved = errno;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    errno = saved;
    return fd;
}

ssize_t hs_os_pread(int fd, void *buf, size_t len, off_t offset)
{
    int saved = errno;
    ssize_t n;
    do
        n = pread(fd, buf, len, offset);
    while (n < 0 && errno == EINTR);
    errno = saved;
    return n;
}

void hs_os_close(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

const void *hs_os_map_file(const char *path, size_t *len)
{
    int saved = errno;
    const void *p = NULL;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            p = m;
            *len = (size_t)st.st_size;
        }
    }
    if (fd >= 0)
        close(fd);
    errno = saved;
    return p;
}

void hs_os_unmap_file(const void *addr, size_t len) { hs_os_unmap((void *)addr, len); }

pid_t hs_os_getpid(void) { return getpid(); }

uint64_t hs_os_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

bool hs_os_secure_exec(void) { return getauxval(AT_SECURE) != 0; }

_Noreturn void hs_os_exit(int status) { _exit(status); }

pid_t hs_os_gettid(void) { return (pid_t)syscall(SYS_gettid); }

void hs_os_signal_self(int sig)
{
    int saved = errno;
    syscall(SYS_tgkill, getpid(), hs_os_gettid(), sig);
    errno = saved;
}

void hs_os_sleep_ms(unsigned ms)
{
    int saved = errno;
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&t, NULL);
    errno = saved;
}

/* The kernel's timer ids are small integers; the system calls are made
 * directly, since glibc's timer_t is its own encoding of them. */
int hs_os_timer_signal_self(int sig, unsigned seconds)
{
    int saved = errno;
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = sig;
    event._sigev_un._tid = hs_os_gettid();
    int timer = -1;
    if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &event, &timer) != 0) {
        errno = saved;
        return -1;
    }
    struct itimerspec when = {.it_value = {(time_t)seconds, 0}};
    if (syscall(SYS_timer_settime, timer, 0, &when, NULL) != 0) {
        syscall(SYS_timer_delete, timer);
        timer = -1;
    }
    errno = saved;
    return timer;
}

void hs_os_timer_cancel(int timer)
{
    int saved = errno;
    if (timer >= 0)
        syscall(SYS_timer_delete, timer);
    errno = saved;
}
