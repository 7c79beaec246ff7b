/* Requests larger than memory, and running out of memory, by argv[1]:
 *   too-big       asks for more than RAM + swap in every way (calloc,
 *                 malloc, the aligned functions, realloc) and for sizes
 *                 whose product overflows; each must give NULL with errno
 *                 ENOMEM, as glibc does when the kernel's overcommit check
 *                 refuses. Prints "ok", or the first request that
 *                 succeeded and ends at once (_exit: no exit report, no
 *                 free of the absurd block).
 *   big-cycle MiB mallocs and callocs a block of that many MiB, writes
 *                 its first and last bytes, frees it; prints the peak
 *                 resident size in KiB ("peak_kib N") and the minor faults
 *                 taken meanwhile ("faults N").
 *   two-rounds SIZE
 *                 (run under ulimit -v) allocates SIZE-byte blocks until
 *                 one fails, frees them all, allocates again until one
 *                 fails; prints "first N second M".
 * Exits 0 unless the program itself went wrong (or a too-big request
 * succeeded: 1). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define MAX_BLOCKS ((size_t)4 << 20)

static void *blocks[MAX_BLOCKS];

/* Ends the process if p is not a refusal with ENOMEM. */
static void expect_refused(const char *what, void *p)
{
    int err = errno;
    if (p == NULL && err == ENOMEM)
        return;
    printf("%s: returned %p, errno %d (%s)\n", what, p, err, strerror(err));
    fflush(stdout);
    _exit(1);
}

static int too_big(void)
{
    struct sysinfo si;
    if (sysinfo(&si) != 0)
        return 2;
    /* Just over RAM + swap: the heuristic overcommit check refuses one
     * request for more (glibc gets exactly that much from brk). */
    size_t total = ((size_t)si.totalram + si.totalswap) * si.mem_unit + ((size_t)1 << 20);
    void *p;
    /* calloc first: under a backend that fills fresh memory, a malloc that
     * succeeds would touch every page before returning. */
    errno = 0;
    expect_refused("calloc(1, 2 * (RAM + swap))", calloc(1, 2 * total));
    errno = 0;
    expect_refused("calloc(RAM + swap, 1)", calloc(total, 1));
    errno = 0;
    expect_refused("calloc(2^33, 2^33) (overflows)", calloc((size_t)1 << 33, (size_t)1 << 33));
    errno = 0;
    expect_refused("calloc(SIZE_MAX / 2 + 1, 2) (overflows)", calloc(SIZE_MAX / 2 + 1, 2));
    errno = 0;
    expect_refused("calloc(3, SIZE_MAX / 3 + 1) (overflows)", calloc(3, SIZE_MAX / 3 + 1));
    errno = 0;
    expect_refused("malloc(2^46)", malloc((size_t)1 << 46));
    errno = 0;
    expect_refused("malloc(RAM + swap)", malloc(total));
    errno = 0;
    expect_refused("aligned_alloc(2 MiB, RAM + swap)", aligned_alloc((size_t)2 << 20, total));
    errno = 0;
    int rc = posix_memalign(&p, 4096, total);
    if (rc != ENOMEM) {
        printf("posix_memalign(4096, RAM + swap): returned %d\n", rc);
        fflush(stdout);
        _exit(1);
    }
    char *small = malloc(100);
    if (!small)
        return 2;
    memset(small, 'k', 100);
    errno = 0;
    expect_refused("realloc(100 bytes, RAM + swap)", realloc(small, total));
    for (int i = 0; i < 100; i++)
        if (small[i] != 'k')
            return 3;
    free(small);
    puts("ok");
    return 0;
}

static int big_cycle(size_t mib)
{
    size_t size = mib << 20;
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    for (int zero = 0; zero < 2; zero++) {
        char *p = zero ? calloc(1, size) : malloc(size);
        if (!p)
            return 2;
        if (zero && (p[0] || p[size / 2] || p[size - 1]))
            return 3;
        p[0] = 1;
        p[size - 1] = 1;
        free(p);
    }
    getrusage(RUSAGE_SELF, &after);
    printf("peak_kib %ld\nfaults %ld\n", after.ru_maxrss, after.ru_minflt - before.ru_minflt);
    return 0;
}

static size_t fill_until_failure(size_t size)
{
    size_t n = 0;
    while (n < MAX_BLOCKS && (blocks[n] = malloc(size)) != NULL)
        *(char *)blocks[n++] = 1;
    return n;
}

static void free_all(size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(blocks[i]);
}

static int two_rounds(size_t size)
{
    size_t first = fill_until_failure(size);
    free_all(first);
    size_t second = fill_until_failure(size);
    free_all(second);
    printf("first %zu second %zu\n", first, second);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "too-big") == 0)
        return too_big();
    if (argc >= 3 && strcmp(argv[1], "big-cycle") == 0)
        return big_cycle(strtoul(argv[2], NULL, 10));
    if (argc >= 3 && strcmp(argv[1], "two-rounds") == 0)
        return two_rounds(strtoul(argv[2], NULL, 10));
    fprintf(stderr, "usage: exhaustion too-big | big-cycle MIB | two-rounds SIZE\n");
    return 64;
}
