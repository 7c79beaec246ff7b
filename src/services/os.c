/* The OS layer: thin wrappers over system calls that leave errno as it was. */
#define _GNU_SOURCE
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <string.h>
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
    void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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

bool hs_os_protect(void *addr, size_t len, bool accessible)
{
    int saved = errno;
    int rc = mprotect(addr, len, accessible ? PROT_READ | PROT_WRITE : PROT_NONE);
    errno = saved;
    return rc == 0;
}

bool hs_os_decommit(void *addr, size_t len)
{
    int saved = errno;
    void *p = mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    errno = saved;
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

uint64_t hs_os_random(void)
{
    uint64_t r;
    memcpy(&r, (const void *)getauxval(AT_RANDOM), sizeof r);
    return r;
}

void *hs_os_remap(void *addr, size_t old_len, size_t new_len)
{
    int saved = errno;
    void *p = mremap(addr, old_len, new_len, MREMAP_MAYMOVE);
    errno = saved;
    return p == MAP_FAILED ? NULL : p;
}

ssize_t hs_os_read_file(const char *path, char *buf, size_t len)
{
    int saved = errno;
    ssize_t total = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        total = 0;
        while ((size_t)total + 1 < len) {
            ssize_t n = read(fd, buf + total, len - 1 - (size_t)total);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            total += n;
        }
        buf[total] = '\0';
        close(fd);
    }
    errno = saved;
    return total;
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

void hs_os_unmap_file(const void *addr, size_t len)
{
    hs_os_unmap((void *)addr, len);
}

pid_t hs_os_getpid(void)
{
    return getpid();
}

uint64_t hs_os_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

bool hs_os_secure_exec(void)
{
    return getauxval(AT_SECURE) != 0;
}

_Noreturn void hs_os_exit(int status)
{
    _exit(status);
}
