/* The OS layer: every system call the shim makes goes through here.
 * Nothing in this file allocates, takes a lock or touches errno: failures are
 * returned as values, so callers decide what errno the program sees. */
#ifndef HS_OS_H
#define HS_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

size_t hs_os_page_size(void);

/* Anonymous private mapping of len bytes, readable and writable unless
 * prot_none: then a reservation, left out of core dumps (gcore's too) until
 * committed. Returns NULL on failure. Writable memory is charged against
 * the kernel's overcommit policy, as glibc's is: a request the kernel
 * would refuse glibc (vm.overcommit_memory) fails here too. A prot_none
 * mapping is charged only as its pages are committed. */
void *hs_os_map(size_t len, bool prot_none);
bool hs_os_unmap(void *addr, size_t len);
/* Drops the pages' contents (they read as zeros after). */
void hs_os_discard(void *addr, size_t len);
/* Asks for transparent huge pages behind a large mapping (fewer TLB misses
 * for tables probed at random); a hint only. */
void hs_os_advise_huge(void *addr, size_t len);
/* Which pages of [addr, addr+len) (addr page-aligned, all mapped) are in
 * memory: bit 0 of resident[i] for page i. False on failure. */
bool hs_os_resident(void *addr, size_t len, unsigned char *resident);
bool hs_os_protect(void *addr, size_t len, bool accessible);
/* Makes [addr, addr+len) read-only: memory filled once and only read from
 * then on, which the leak scan (reading writable memory) then passes by. */
bool hs_os_seal(void *addr, size_t len);
/* True if the page at addr can be written, found with no fault: the kernel
 * writes the signal mask there, and says EFAULT, instead of faulting, where
 * it cannot. So a page that can be written gets 8 bytes overwritten. */
bool hs_os_writable(uintptr_t addr);
/* Replaces [addr, addr+len) by fresh PROT_NONE pages: the old contents go back
 * to the kernel, with their overcommit charge, and the range stays
 * reserved, in one system call. */
bool hs_os_decommit(void *addr, size_t len);
/* Makes [addr, addr+len), part of a reservation, readable and writable,
 * in place and part of core dumps, charging it to the overcommit policy;
 * false (the range left reserved) when the kernel refuses. The range must
 * be fresh (from hs_os_map(len, true) or hs_os_decommit, not written
 * since): it then reads as zeros. */
bool hs_os_commit(void *addr, size_t len);
/* mremap that moves the mapping to dest, which it replaces; NULL on
 * failure. */
void *hs_os_remap_to(void *addr, size_t old_len, size_t new_len, void *dest);
/* A coarse monotonic clock, in milliseconds (vDSO, no system call). */
uint64_t hs_os_now_ms(void);
/* 64 fresh random bits at each call, for secrets: from getrandom(2), without
 * blocking and without being a cancellation point; where the kernel refuses
 * (its pool not ready yet, a seccomp filter), AT_RANDOM mixed with the clock
 * and a counter. */
uint64_t hs_os_random(void);
/* mremap that may move; NULL on failure. */
void *hs_os_remap(void *addr, size_t old_len, size_t new_len);

/* Reads up to len-1 bytes of a small file (/proc, /sys) into buf, NUL-ended.
 * Returns the length read or -1. */
ssize_t hs_os_read_file(const char *path, char *buf, size_t len);

/* Writes "/proc/self/fd/FD" into buf (32 bytes are enough): the path that
 * opens again the file of an O_PATH descriptor. */
void hs_os_fd_path(char *buf, int fd);

/* Reads a whole regular file, up to len-1 bytes, NUL-ended, never blocking
 * and never opening anything else (a FIFO or a device is looked at through
 * an O_PATH descriptor, not opened): returns the length read, or -1 with
 * *error the errno of the failure, or -1 with *error 0 and *mode the file's
 * mode when it is not a regular file. */
ssize_t hs_os_read_regular_file(const char *path, char *buf, size_t len, int *error, mode_t *mode);

/* The current directory into buf (len bytes); false if it cannot be found
 * or does not fit. */
bool hs_os_getcwd(char *buf, size_t len);

/* A file opened read-only, or -1; a read of len bytes at offset (the count
 * read, or -1); closing it. */
int hs_os_open(const char *path);
ssize_t hs_os_pread(int fd, void *buf, size_t len, off_t offset);
void hs_os_close(int fd);

/* Maps a whole file read-only; NULL if it cannot be opened or is empty. */
const void *hs_os_map_file(const char *path, size_t *len);
void hs_os_unmap_file(const void *addr, size_t len);

pid_t hs_os_getpid(void);
/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t hs_os_now_ns(void);
bool hs_os_secure_exec(void);
_Noreturn void hs_os_exit(int status);

/* The calling thread's kernel id; sends sig to it (tgkill). */
pid_t hs_os_gettid(void);
void hs_os_signal_self(int sig);
void hs_os_sleep_ms(unsigned ms);
/* A one-shot timer that sends sig to the calling thread in `seconds`: the
 * timer's id, or -1 if none could be made. hs_os_timer_cancel(-1) does
 * nothing. */
int hs_os_timer_signal_self(int sig, unsigned seconds);
void hs_os_timer_cancel(int timer);

#endif
