/* Conformance of the malloc family with glibc's semantics, one named check
 * at a time: prints "ok NAME" or "not ok NAME: why", and exits 1 if any
 * check failed. Passes against glibc itself, and with --shim also requires
 * the functions glibc 2.36 lacks (free_sized, free_aligned_sized). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

static void check(bool ok, const char *name, const char *why)
{
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s: %s\n", name, why);
        failures++;
    }
}

static bool aligned(const void *p, size_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

/* Memory the optimiser may not elide: every byte written, then read back. */
static bool fill_and_check(unsigned char *p, size_t n, unsigned char seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i);
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i))
            return false;
    return true;
}

static void malloc_zero(void)
{
    void *a = malloc(0), *b = malloc(0);
    check(a && b && a != b, "malloc(0) returns unique pointers", "NULL or equal");
    free(a);
    free(b);
}

static void free_null(void)
{
    errno = 0;
    free(NULL);
    check(errno == 0, "free(NULL) does nothing", "errno changed");
}

static void realloc_edges(void)
{
    unsigned char *p = realloc(NULL, 100);
    check(p && fill_and_check(p, 100, 1), "realloc(NULL, n) is malloc(n)", "no usable block");
    errno = 0;
    void *q = realloc(p, 0);
    check(q == NULL, "realloc(p, 0) frees and returns NULL", "returned a pointer");
    free(q);
}

static void realloc_keeps_contents(void)
{
    static const size_t sizes[] = {1, 15, 16, 17, 100, 4095, 4096, 4097, 65536, 1 << 20, 300, 7};
    unsigned char *p = malloc(1);
    size_t have = 1;
    bool ok = p != NULL;
    p[0] = 0x5a;
    for (size_t i = 0; ok && i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        unsigned char *q = realloc(p, n);
        if (!q) {
            ok = false;
            break;
        }
        size_t kept = have < n ? have : n;
        for (size_t k = 0; k < kept; k++)
            if (q[k] != (unsigned char)(0x5a + k)) {
                ok = false;
                break;
            }
        for (size_t k = 0; k < n; k++)
            q[k] = (unsigned char)(0x5a + k);
        p = q;
        have = n;
    }
    free(p);
    check(ok, "realloc grows and shrinks keeping contents", "contents changed");
}

static void calloc_zeroes(void)
{
    bool ok = true;
    for (size_t n = 1; n <= 1 << 20 && ok; n = n * 3 + 1) {
        unsigned char *dirty = malloc(n);
        memset(dirty, 0xab, n);
        free(dirty);
        unsigned char *p = calloc(n, 1);
        for (size_t i = 0; p && i < n; i++)
            if (p[i]) {
                ok = false;
                break;
            }
        ok = ok && p;
        free(p);
    }
    check(ok, "calloc returns zeroed memory", "a non-zero byte");
    errno = 0;
    void *p = calloc(SIZE_MAX / 2, 3);
    check(!p && errno == ENOMEM, "calloc overflow is NULL with ENOMEM", "not NULL/ENOMEM");
}

static void impossible_sizes(void)
{
    static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 4096, (size_t)PTRDIFF_MAX + 1,
                                   SIZE_MAX / 2};
    bool ok = true;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        errno = 0;
        void *p = malloc(sizes[i]);
        ok = ok && !p && errno == ENOMEM;
        errno = 0;
        p = aligned_alloc(64, sizes[i]);
        ok = ok && !p && errno == ENOMEM;
        errno = 0;
        p = memalign(4096, sizes[i]);
        ok = ok && !p && errno == ENOMEM;
    }
    check(ok, "impossible sizes are NULL with ENOMEM", "allocated or wrong errno");
    unsigned char *q = malloc(32);
    memset(q, 7, 32);
    errno = 0;
    void *r = realloc(q, SIZE_MAX);
    check(!r && errno == ENOMEM && q[31] == 7, "realloc to an impossible size keeps the block",
          "block lost or wrong errno");
    free(q);
    errno = 0;
    r = reallocarray(NULL, SIZE_MAX / 4, 8);
    check(!r && errno == ENOMEM, "reallocarray overflow is NULL with ENOMEM", "not NULL/ENOMEM");
}

static void posix_memalign_rules(void)
{
    static const size_t bad[] = {0, 3, 4, 24, 12, 100};
    bool ok = true;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *p = (void *)1;
        errno = 4242;
        int rc = posix_memalign(&p, bad[i], 16);
        ok = ok && rc == EINVAL && errno == 4242 && p == (void *)1;
    }
    check(ok, "posix_memalign rejects bad alignments with EINVAL, errno untouched", "accepted");
    ok = true;
    for (size_t a = sizeof(void *); a <= 1 << 20; a *= 2) {
        void *p = NULL;
        errno = 4242;
        int rc = posix_memalign(&p, a, 40);
        ok = ok && rc == 0 && aligned(p, a) && errno == 4242 && fill_and_check(p, 40, 3);
        free(p);
    }
    check(ok, "posix_memalign aligns 8 to 1 MiB", "misaligned or failed");
    void *p = NULL;
    int rc = posix_memalign(&p, 64, SIZE_MAX - 100);
    check(rc == ENOMEM, "posix_memalign of a huge size is ENOMEM", "wrong result");
}

static void aligned_functions(void)
{
    bool ok = true;
    for (size_t a = 1; a <= (size_t)1 << 30; a *= 2) {
        unsigned char *p = aligned_alloc(a, 24);
        unsigned char *q = memalign(a, 24);
        ok = ok && p && q && aligned(p, a) && aligned(q, a) && fill_and_check(p, 24, 5) &&
             fill_and_check(q, 24, 6);
        free(p);
        free(q);
    }
    check(ok, "aligned_alloc and memalign align 1 byte to 1 GiB", "misaligned or failed");
    unsigned char *odd = memalign(48, 100);
    check(odd && aligned(odd, 16) && fill_and_check(odd, 100, 9),
          "memalign with an alignment that is not a power of two", "failed");
    free(odd);
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *v = valloc(10);
    check(v && aligned(v, (size_t)page) && fill_and_check(v, 10, 1), "valloc is page aligned",
          "misaligned");
    free(v);
    unsigned char *pv = pvalloc(1);
    check(pv && aligned(pv, (size_t)page) && malloc_usable_size(pv) >= (size_t)page &&
              fill_and_check(pv, (size_t)page, 2),
          "pvalloc rounds up to a page", "misaligned or short");
    free(pv);
}

static void usable_size(void)
{
    bool ok = malloc_usable_size(NULL) == 0;
    for (size_t n = 0; n <= 5000 && ok; n++) {
        unsigned char *p = malloc(n);
        size_t u = malloc_usable_size(p);
        ok = p && u >= n && fill_and_check(p, u, (unsigned char)n);
        free(p);
    }
    for (size_t n = 1 << 16; n <= 1 << 22 && ok; n *= 4) {
        unsigned char *p = malloc(n + 3);
        size_t u = malloc_usable_size(p);
        ok = p && u >= n + 3;
        if (ok)
            memset(p, 1, u);
        free(p);
    }
    check(ok, "malloc_usable_size covers the request and is writable", "short or faulted");
}

static void alignment_16(void)
{
    bool ok = true;
    void *blocks[1100];
    for (size_t n = 1; n <= 1024; n++) {
        blocks[n] = malloc(n);
        ok = ok && aligned(blocks[n], 16);
    }
    for (size_t n = 1; n <= 1024; n++)
        free(blocks[n]);
    void *c = calloc(3, 7), *r = realloc(NULL, 33), *big = malloc(1 << 21);
    ok = ok && aligned(c, 16) && aligned(r, 16) && aligned(big, 16);
    r = realloc(r, 5000);
    ok = ok && aligned(r, 16);
    free(c);
    free(r);
    free(big);
    check(ok, "every pointer is aligned to 16", "misaligned");
}

static void free_keeps_errno(void)
{
    void *p = malloc(100), *q = malloc(1 << 20);
    errno = 1234;
    free(p);
    free(q);
    check(errno == 1234, "free preserves errno", "errno changed");
}

static void sized_frees(bool shim)
{
    void (*sized)(void *, size_t) = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
    void (*aligned_sized)(void *, size_t, size_t) =
        (void (*)(void *, size_t, size_t))dlsym(RTLD_DEFAULT, "free_aligned_sized");
    if (!sized || !aligned_sized) {
        check(!shim, "free_sized and free_aligned_sized exist", "not exported");
        return;
    }
    void *p = malloc(40);
    sized(p, 40);
    void *q = aligned_alloc(256, 512);
    aligned_sized(q, 256, 512);
    check(true, "free_sized and free_aligned_sized free", "");
}

static void glibc_extras(void)
{
    struct mallinfo2 info2 = mallinfo2();
    struct mallinfo info = mallinfo();
    (void)info2, (void)info;
    int opt = mallopt(M_TRIM_THRESHOLD, 1 << 20);
    int trimmed = malloc_trim(0);
    (void)trimmed;
    int saved = dup(2);
    FILE *null = fopen("/dev/null", "w");
    dup2(fileno(null), 2);
    malloc_stats();
    dup2(saved, 2);
    close(saved);
    int rc = malloc_info(0, null);
    int bad = malloc_info(1, null);
    fclose(null);
    check(opt == 1 && rc == 0 && bad == EINVAL, "mallinfo, mallopt, malloc_trim, malloc_stats, malloc_info",
          "wrong results");
}

int main(int argc, char **argv)
{
    bool shim = argc > 1 && strcmp(argv[1], "--shim") == 0;
    malloc_zero();
    free_null();
    realloc_edges();
    realloc_keeps_contents();
    calloc_zeroes();
    impossible_sizes();
    posix_memalign_rules();
    aligned_functions();
    usable_size();
    alignment_16();
    free_keeps_errno();
    sized_frees(shim);
    glibc_extras();
    printf("%d failed\n", failures);
    return failures != 0;
}
