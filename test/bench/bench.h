/* What the benchmark programs share: a seeded generator (every allocator
 * runs exactly the same work), blocks that carry their own check words (a
 * broken allocator fails instead of looking fast), argument parsing and the
 * resident size. A program that finds a wrong result says so on stderr and
 * exits 1. */
#ifndef BENCH_H
#define BENCH_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Keeps the compiler from proving a block unused and dropping the
 * malloc/free pair around it. */
#define ESCAPE(p) __asm__ volatile("" : : "g"(p) : "memory")

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fputs("bench: ", stderr);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* ARGV[I] as a positive number, or FALLBACK when absent. */
static long arg(int argc, char **argv, int i, long fallback)
{
    if (i >= argc)
        return fallback;
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end || v <= 0)
        die("argument %d: '%s' is not a positive number", i, argv[i]);
    return v;
}

/* xorshift64*, seeded through splitmix64 so that nearby seeds diverge. */
static inline uint64_t rng_seed(uint64_t seed)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (z ^ (z >> 31)) | 1;
}

static inline uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static inline size_t rng_below(uint64_t *state, size_t n) { return rng_next(state) % n; }

/* The small sizes programs typically ask for: three in four 16-128 bytes,
 * most of the rest up to 1 KiB, one in sixteen up to 4 KiB. */
static inline size_t small_size(uint64_t *state)
{
    uint64_t r = rng_next(state);
    size_t n = r >> 8;
    switch (r & 15) {
    case 0: return 16 + n % 4080;
    case 1:
    case 2:
    case 3: return 16 + n % 1008;
    default: return 16 + n % 112;
    }
}

/* A checked block of at least BLOCK_MIN bytes: its tag in the first word,
 * its size in the second, and a word derived from both at the end (from 24
 * bytes up) and every 4 KiB in between (which also makes the program touch each page, as a real
 * one would). Two live blocks that overlap, a block handed out twice, or
 * contents lost by realloc fail block_check. */
#define BLOCK_MIN 16
#define BLOCK_MAX ((size_t)1 << 30)
#define BLOCK_STRIDE 4096

static inline uint64_t block_word(uint64_t tag, size_t size, size_t at)
{
    return (tag ^ size * 0x9e3779b97f4a7c15ull) + at;
}

static inline void block_mark(unsigned char *p, size_t size, uint64_t tag)
{
    memcpy(p, &tag, 8);
    memcpy(p + 8, &size, 8);
    for (size_t at = BLOCK_STRIDE; at + 16 <= size; at += BLOCK_STRIDE) {
        uint64_t w = block_word(tag, size, at);
        memcpy(p + at, &w, 8);
    }
    if (size >= 24) {
        uint64_t last = block_word(tag, size, size - 8);
        memcpy(p + size - 8, &last, 8);
    }
}

/* The block's tag, after checking every word of it.
 * gcc -Warray-bounds sees blocks of under 4 KiB read at 4 KiB and more: only
 * where the size word says more than was allocated, that is where the
 * allocator let something overwrite it within BLOCK_MAX, and then reading on
 * finds the damage or faults, either of which fails the run as it should. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
static inline uint64_t block_check(const unsigned char *p)
{
    uint64_t tag, w;
    size_t size;
    memcpy(&tag, p, 8);
    memcpy(&size, p + 8, 8);
    if (size < BLOCK_MIN || size > BLOCK_MAX)
        die("block %p: size word %zu overwritten", (const void *)p, size);
    for (size_t at = BLOCK_STRIDE; at + 16 <= size; at += BLOCK_STRIDE)
        if (memcpy(&w, p + at, 8), w != block_word(tag, size, at))
            die("block %p of %zu bytes: word at %zu overwritten", (const void *)p, size, at);
    if (size >= 24 && (memcpy(&w, p + size - 8, 8), w != block_word(tag, size, size - 8)))
        die("block %p of %zu bytes: last word overwritten", (const void *)p, size);
    return tag;
}
#pragma GCC diagnostic pop

/* Dies unless P is a usable result of an allocation of SIZE bytes: not
 * NULL, aligned as C requires (16 bytes from 16 bytes up). P is not const:
 * gcc takes a const pointer to fresh memory for a read of it (a
 * -Wmaybe-uninitialized false positive). */
static inline void check_pointer(void *p, size_t size)
{
    if (!p)
        die("allocation of %zu bytes failed", size);
    if ((uintptr_t)p % (size >= 16 ? 16 : 8))
        die("allocation of %zu bytes misaligned: %p", size, p);
}

static inline unsigned char *block_new(size_t size, uint64_t tag)
{
    unsigned char *p = malloc(size);
    check_pointer(p, size);
    block_mark(p, size, tag);
    return p;
}

/* Checks and frees a block; returns its tag. */
static inline uint64_t block_free(unsigned char *p)
{
    uint64_t tag = block_check(p);
    free(p);
    return tag;
}

/* Checks and frees a block that must carry EXPECTED. */
static inline void block_free_tagged(unsigned char *p, uint64_t expected)
{
    uint64_t tag = block_check(p);
    if (tag != expected)
        die("block %p holds tag %llu, expected %llu", (void *)p, (unsigned long long)tag,
            (unsigned long long)expected);
    free(p);
}

/* Resident memory of this process in KiB, from /proc/self/statm, read
 * without allocating. */
static inline long resident_kib(void)
{
    char text[128];
    int fd = open("/proc/self/statm", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        die("cannot read /proc/self/statm");
    text[n] = 0;
    long size, resident;
    if (sscanf(text, "%ld %ld", &size, &resident) != 2)
        die("cannot parse /proc/self/statm");
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static inline double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#endif
