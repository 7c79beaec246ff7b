/* Conformance of the malloc family with glibc's semantics, one named check
 * per rule: prints "ok NAME" or "not ok NAME: the first failure (and N
 * more)", then "N checks, M failed", and exits 1 if any check failed.
 * Passes against glibc itself; with --shim it also requires the functions
 * glibc 2.36 lacks (free_sized, free_aligned_sized). The program frees every
 * block it gets, so a leak check at exit shows whether realloc(p, 0) and the
 * sized frees really free. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* Sizes pass through a volatile so the compiler cannot reason about them. */
static volatile size_t opaque;
static size_t hide(size_t n)
{
    opaque = n;
    return opaque;
}

struct check {
    const char *name;
    int failed;
    char why[200];
};

static int checks, failures;

static void failf(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(struct check *c, const char *fmt, ...)
{
    if (c->failed++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, sizeof c->why, fmt, ap);
        va_end(ap);
    }
}

static void done(struct check *c)
{
    checks++;
    if (!c->failed) {
        printf("ok %s\n", c->name);
        return;
    }
    failures++;
    printf("not ok %s: %s (and %d more)\n", c->name, c->why, c->failed - 1);
}

static bool aligned(const void *p, size_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

static unsigned char pattern(size_t i, unsigned seed)
{
    return (unsigned char)((i * 131u + (i >> 8) * 7u + seed * 29u) ^ 0x5a);
}

static void fill(void *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        ((unsigned char *)p)[i] = pattern(i, seed);
}

/* The first byte of [0, n) that differs from the pattern, or n. */
static size_t first_bad(const void *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (((const unsigned char *)p)[i] != pattern(i, seed))
            return i;
    return n;
}

static size_t first_nonzero(const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (((const unsigned char *)p)[i])
            return i;
    return n;
}

/* A block the call `what` returned for n bytes at alignment align: there,
 * aligned, with n usable bytes that keep what is written. */
static bool usable_block(struct check *c, const char *what, void *p, size_t n, size_t align)
{
    if (!p) {
        failf(c, "%s(%zu): NULL (errno %d)", what, n, errno);
        return false;
    }
    if (!aligned(p, align))
        failf(c, "%s(%zu): %p is not aligned to %zu", what, n, p, align);
    if (malloc_usable_size(p) < n)
        failf(c, "%s(%zu): usable size %zu", what, n, malloc_usable_size(p));
    fill(p, n, (unsigned)n);
    if (first_bad(p, n, (unsigned)n) != n)
        failf(c, "%s(%zu): the contents did not stick", what, n);
    return true;
}

/* A call that must fail with ENOMEM. */
static void expect_enomem(struct check *c, const char *what, size_t n, void *p)
{
    if (p || errno != ENOMEM)
        failf(c, "%s(%#zx): %p, errno %d", what, n, p, errno);
    free(p);
}

static const size_t huge_sizes[] = {
    SIZE_MAX,
    SIZE_MAX - 1,
    SIZE_MAX - 15,
    SIZE_MAX - 4096,
    SIZE_MAX - (1 << 20),
    (size_t)PTRDIFF_MAX + 1,
    (size_t)PTRDIFF_MAX,
    SIZE_MAX / 2 + 4096,
};

/* ---- malloc, free, realloc, calloc ---- */

static void malloc_zero(void)
{
    struct check c = {.name = "malloc(0) returns unique freeable pointers"};
    void *p[100];
    for (size_t i = 0; i < COUNT(p); i++) {
        p[i] = malloc(hide(0));
        for (size_t j = 0; j < i; j++)
            if (!p[i] || p[i] == p[j])
                failf(&c, "call %zu returned %p", i, p[i]);
    }
    for (size_t i = 0; i < COUNT(p); i++)
        free(p[i]);
    done(&c);
}

static void free_null(void)
{
    struct check c = {.name = "free(NULL) does nothing"};
    errno = 4321;
    free(NULL);
    if (errno != 4321)
        failf(&c, "errno changed to %d", errno);
    done(&c);
}

static void realloc_edges(void)
{
    struct check c = {.name =
                          "realloc(NULL, n) is malloc(n); realloc(p, 0) frees and returns NULL"};
    static const size_t sizes[] = {0, 1, 16, 100, 4096, 100000, 1 << 20};
    for (size_t i = 0; i < COUNT(sizes); i++) {
        void *p = realloc(NULL, hide(sizes[i]));
        if (usable_block(&c, "realloc(NULL, n)", p, sizes[i], 16) && sizes[i]) {
            void *q = realloc(p, hide(0));
            if (q)
                failf(&c, "realloc(p, 0) of %zu bytes returned %p", sizes[i], q);
            p = q;
        }
        free(p);
    }
    done(&c);
}

/* Resizes from `from` to `to` and back, checking the kept part each way. */
static void round_trip(struct check *c, size_t from, size_t to)
{
    unsigned seed = (unsigned)(from * 3 + to);
    size_t kept = from < to ? from : to, bad;
    unsigned char *p = malloc(hide(from));
    fill(p, from, seed);
    unsigned char *q = realloc(p, hide(to));
    if (!q) {
        failf(c, "realloc %zu -> %zu: NULL", from, to);
        free(p);
        return;
    }
    if ((bad = first_bad(q, kept, seed)) != kept)
        failf(c, "realloc %zu -> %zu: byte %zu changed", from, to, bad);
    fill(q, to, seed + 1);
    unsigned char *r = realloc(q, hide(from));
    if (!r) {
        failf(c, "realloc %zu -> %zu -> %zu: NULL", from, to, from);
        free(q);
        return;
    }
    if ((bad = first_bad(r, kept, seed + 1)) != kept)
        failf(c, "realloc %zu -> %zu -> %zu: byte %zu changed", from, to, from, bad);
    free(r);
}

static void realloc_contents(void)
{
    struct check c = {.name = "realloc grows and shrinks keeping contents"};
    static const size_t sizes[] = {
        1,    7,    8,    15,   16,   17,   24,    31,    100,    255,    256,     1000,
        4095, 4096, 4097, 8191, 8192, 8193, 65535, 65536, 131072, 200000, 1 << 20, (1 << 20) + 1};
    for (size_t i = 0; i < COUNT(sizes); i++)
        for (size_t j = 0; j < COUNT(sizes); j++)
            round_trip(&c, sizes[i], sizes[j]);
    done(&c);
}

static void calloc_zeroes(void)
{
    struct check c = {.name = "calloc returns zeroed memory, also where dirty blocks were freed"};
    static const size_t sizes[] = {1,    2,    16,    24,     100,    1000,    4095,    4096,
                                   4097, 8192, 65536, 131072, 200000, 1 << 20, 4 << 20, 16 << 20};
    for (size_t i = 0; i < COUNT(sizes); i++) {
        size_t n = sizes[i], bad;
        for (int round = 0; round < 3; round++) {
            if (round > 0) { /* a block likely handed back to the calloc below */
                unsigned char *dirty = malloc(n);
                if (dirty)
                    memset(dirty, 0xa5, malloc_usable_size(dirty));
                free(dirty);
            }
            size_t len = round == 2 ? (n / 4 + 1) * 4 : n;
            unsigned char *p = round == 2 ? calloc(hide(n / 4 + 1), 4) : calloc(hide(n), 1);
            if (!p)
                failf(&c, "calloc of %zu bytes: NULL", len);
            else if ((bad = first_nonzero(p, len)) != len)
                failf(&c, "calloc of %zu bytes (round %d): byte %zu is 0x%02x", len, round, bad,
                      p[bad]);
            free(p);
        }
    }
    done(&c);
}

static void calloc_overflow(void)
{
    struct check c = {.name =
                          "calloc is NULL with ENOMEM when nmemb * size overflows or is too big"};
    static const size_t pairs[][2] = {
        {SIZE_MAX / 2, 3},
        {3, SIZE_MAX / 2},
        {SIZE_MAX, SIZE_MAX},
        {(size_t)1 << 32, (size_t)1 << 32},
        {SIZE_MAX / 16 + 1, 16},
        {2, SIZE_MAX / 2 + 1},
        {1, SIZE_MAX},
        {SIZE_MAX, 1},
        {(size_t)PTRDIFF_MAX + 1, 1},
        {SIZE_MAX / 16, 8},
    };
    for (size_t i = 0; i < COUNT(pairs); i++) {
        errno = 0;
        expect_enomem(&c, "calloc", pairs[i][0], calloc(hide(pairs[i][0]), hide(pairs[i][1])));
    }
    done(&c);
}

static void impossible_sizes(void)
{
    struct check c = {
        .name = "impossible sizes are NULL with ENOMEM, and a failed realloc keeps the block"};
    static const size_t aligns[] = {16, 64, 4096, 1 << 20};
    for (size_t i = 0; i < COUNT(huge_sizes); i++) {
        size_t n = huge_sizes[i];
        errno = 0;
        expect_enomem(&c, "malloc", n, malloc(hide(n)));
        for (size_t a = 0; a < COUNT(aligns); a++) {
            errno = 0;
            expect_enomem(&c, "aligned_alloc", n, aligned_alloc(aligns[a], hide(n)));
            errno = 0;
            expect_enomem(&c, "memalign", n, memalign(aligns[a], hide(n)));
            void *p = &c;
            if (posix_memalign(&p, aligns[a], hide(n)) != ENOMEM)
                failf(&c, "posix_memalign(%zu, %#zx) did not return ENOMEM", aligns[a], n);
        }
        errno = 0;
        expect_enomem(&c, "valloc", n, valloc(hide(n)));
        errno = 0;
        expect_enomem(&c, "pvalloc", n, pvalloc(hide(n)));
    }
    static const size_t start[] = {32, 5000, 1 << 20};
    for (size_t s = 0; s < COUNT(start); s++) {
        unsigned char *p = malloc(start[s]);
        fill(p, start[s], 4);
        for (size_t i = 0; i < COUNT(huge_sizes); i++) {
            errno = 0;
            void *q = realloc(p, hide(huge_sizes[i]));
            if (q || errno != ENOMEM || first_bad(p, start[s], 4) != start[s]) {
                failf(&c, "realloc(%zu bytes, %#zx): %p, errno %d", start[s], huge_sizes[i], q,
                      errno);
                p = q ? q : p;
                break;
            }
        }
        free(p);
    }
    done(&c);
}

static void reallocarray_rules(void)
{
    struct check c = {.name = "reallocarray works, and is NULL with ENOMEM on overflow"};
    unsigned char *p = reallocarray(NULL, hide(10), 10), *q;
    if (!p) {
        failf(&c, "reallocarray(NULL, 10, 10): NULL");
    } else {
        fill(p, 100, 5);
        if (!(q = reallocarray(p, hide(100), 100)) || first_bad(q, 100, 5) != 100)
            failf(&c, "reallocarray(p, 100, 100): %p or contents lost", (void *)q);
        p = q ? q : p;
        errno = 0;
        if ((q = reallocarray(p, hide(SIZE_MAX / 4), 8)) || errno != ENOMEM ||
            first_bad(p, 100, 5) != 100)
            failf(&c, "reallocarray(p, SIZE_MAX / 4, 8): %p, errno %d", (void *)q, errno);
        free(q ? q : p);
    }
    errno = 0;
    expect_enomem(&c, "reallocarray(NULL, 1 << 33, n)", (size_t)1 << 31,
                  reallocarray(NULL, hide((size_t)1 << 33), (size_t)1 << 31));
    done(&c);
}

/* ---- aligned allocation ---- */

static void posix_memalign_rules(void)
{
    struct check c = {
        .name = "posix_memalign: EINVAL for bad alignments, 0 for 8 to 1 MiB, errno untouched"};
    static const size_t bad[] = {
        0, 1, 2, 3, 4, 12, 24, 40, 100, 4097, (1 << 20) + 8, SIZE_MAX, (size_t)1 << 63 | 8};
    for (size_t i = 0; i < COUNT(bad); i++) {
        void *p = &c;
        errno = 9876;
        int rc = posix_memalign(&p, hide(bad[i]), 16);
        if (rc != EINVAL || errno != 9876 || p != &c)
            failf(&c, "alignment %#zx: returned %d, errno %d, pointer %p", bad[i], rc, errno, p);
        if (rc == 0)
            free(p);
    }
    static const size_t sizes[] = {0, 1, 40, 4096, 70000};
    for (size_t a = sizeof(void *); a <= 1 << 20; a *= 2)
        for (size_t s = 0; s < COUNT(sizes); s++) {
            void *p = NULL;
            errno = 9876;
            int rc = posix_memalign(&p, hide(a), hide(sizes[s]));
            if (rc != 0 || errno != 9876)
                failf(&c, "posix_memalign(%zu, %zu): returned %d, errno %d", a, sizes[s], rc,
                      errno);
            usable_block(&c, "posix_memalign", p, sizes[s], a);
            free(p);
        }
    done(&c);
}

static void aligned_powers(const char *name, void *(*allocate)(size_t, size_t))
{
    struct check c = {.name = name};
    static const size_t sizes[] = {1, 24, 100};
    for (size_t a = 1; a <= (size_t)1 << 30; a *= 2)
        for (size_t s = 0; s < COUNT(sizes); s++) {
            void *p = allocate(hide(a), hide(sizes[s]));
            usable_block(&c, name, p, sizes[s], a < 16 ? 16 : a);
            free(p);
        }
    done(&c);
}

static void *call_aligned_alloc(size_t a, size_t n) { return aligned_alloc(a, n); }
static void *call_memalign(size_t a, size_t n) { return memalign(a, n); }

static void memalign_odd(void)
{
    struct check c = {.name = "memalign rounds an alignment that is no power of two up to one"};
    static const size_t odd[] = {3, 24, 48, 100, 1000, 4097, 65535, 100000};
    for (size_t i = 0; i < COUNT(odd); i++) {
        size_t want = 1;
        while (want < odd[i])
            want *= 2;
        void *p = memalign(hide(odd[i]), 50);
        usable_block(&c, "memalign", p, 50, want);
        free(p);
    }
    done(&c);
}

static void page_aligned(void)
{
    struct check c = {.name = "valloc and pvalloc are page aligned; pvalloc rounds up to a page"};
    static const size_t sizes[] = {0, 1, 10, 4095, 4096, 4097, 100000};
    for (size_t i = 0; i < COUNT(sizes); i++) {
        void *v = valloc(hide(sizes[i]));
        usable_block(&c, "valloc", v, sizes[i], page_size());
        free(v);
        if (sizes[i] == 0) /* glibc's pvalloc(0) is no page */
            continue;
        void *pv = pvalloc(hide(sizes[i]));
        size_t rounded = (sizes[i] + page_size() - 1) / page_size() * page_size();
        usable_block(&c, "pvalloc", pv, rounded, page_size());
        free(pv);
    }
    done(&c);
}

/* ---- sizes, alignment, errno ---- */

static void usable_size(void)
{
    struct check c = {.name = "malloc_usable_size covers the request and is writable to its end"};
    if (malloc_usable_size(NULL) != 0)
        failf(&c, "malloc_usable_size(NULL) is %zu", malloc_usable_size(NULL));
    for (size_t n = 0; n <= 5000; n++) {
        unsigned char *p = malloc(hide(n));
        size_t u = malloc_usable_size(p);
        if (!p || u < n)
            failf(&c, "malloc(%zu): %p, usable size %zu", n, (void *)p, u);
        else
            memset(p, 0xcc, u);
        free(p);
    }
    void *blocks[] = {malloc(65537),     malloc((16 << 20) + 5),  calloc(3, 33),
                      realloc(NULL, 77), aligned_alloc(256, 300), memalign(64, 1000),
                      valloc(5000)};
    size_t wants[] = {65537, (16 << 20) + 5, 99, 77, 300, 1000, 5000};
    for (size_t i = 0; i < COUNT(wants); i++) {
        size_t u = malloc_usable_size(blocks[i]);
        if (!blocks[i] || u < wants[i])
            failf(&c, "block %zu of %zu bytes: %p, usable size %zu", i, wants[i], blocks[i], u);
        else
            memset(blocks[i], 0xdd, u);
        free(blocks[i]);
    }
    done(&c);
}

static void alignment_16(void)
{
    struct check c = {.name = "every pointer from malloc, calloc and realloc is aligned to 16"};
    static void *m[1025], *z[1025];
    void *grown = NULL;
    for (size_t n = 1; n <= 1024; n++) {
        m[n] = malloc(hide(n));
        z[n] = calloc(1, hide(n));
        void *g = realloc(grown, hide(n * 3));
        if (!m[n] || !z[n] || !g || !aligned(m[n], 16) || !aligned(z[n], 16) || !aligned(g, 16))
            failf(&c, "size %zu: malloc %p, calloc %p, realloc %p", n, m[n], z[n], g);
        grown = g ? g : grown;
    }
    for (size_t n = 1; n <= 1024; n++) {
        free(m[n]);
        free(z[n]);
    }
    free(grown);
    static const size_t big[] = {4095, 4097, 65537, (1 << 20) + 1, (8 << 20) + 7};
    for (size_t i = 0; i < COUNT(big); i++) {
        void *a = malloc(hide(big[i])), *b = calloc(hide(big[i]), 1);
        void *d = realloc(malloc(16), hide(big[i]));
        if (!a || !b || !d || !aligned(a, 16) || !aligned(b, 16) || !aligned(d, 16))
            failf(&c, "size %zu: malloc %p, calloc %p, realloc %p", big[i], a, b, d);
        free(a);
        free(b);
        free(d);
    }
    done(&c);
}

static void free_keeps_errno(void)
{
    struct check c = {.name = "free preserves errno"};
    static const size_t sizes[] = {1, 100, 4096, 100000, 1 << 20, 32 << 20};
    for (size_t i = 0; i < COUNT(sizes); i++) {
        void *p = malloc(sizes[i]);
        memset(p, 1, sizes[i]);
        errno = 1234;
        free(p);
        if (errno != 1234)
            failf(&c, "free of %zu bytes set errno to %d", sizes[i], errno);
    }
    done(&c);
}

static void sized_frees(bool shim)
{
    struct check c = {.name = "free_sized and free_aligned_sized exist and free, keeping errno"};
    void (*sized)(void *, size_t) = (void (*)(void *, size_t))dlsym(RTLD_DEFAULT, "free_sized");
    void (*aligned_sized)(void *, size_t, size_t) =
        (void (*)(void *, size_t, size_t))dlsym(RTLD_DEFAULT, "free_aligned_sized");
    if (!sized || !aligned_sized) {
        if (!shim) { /* counted, so that both runs have as many checks */
            printf("ok %s # skip: not in this libc\n", c.name);
            checks++;
            return;
        }
        failf(&c, "not exported");
    }
    static const size_t sizes[] = {1, 40, 4096, 100000, 1 << 20};
    for (size_t i = 0; sized && aligned_sized && i < COUNT(sizes); i++) {
        size_t n = sizes[i];
        void *p = malloc(n), *z = calloc(n, 1);
        errno = 1234;
        sized(p, n);
        sized(z, n);
        for (size_t a = 16; a <= 65536; a *= 16)
            aligned_sized(aligned_alloc(a, n), a, n);
        if (errno != 1234)
            failf(&c, "errno changed to %d", errno);
        if (i == 0) {
            sized(NULL, 0);
            aligned_sized(NULL, 64, 0);
        }
    }
    done(&c);
}

static void glibc_extras(void)
{
    struct check c = {.name =
                          "mallinfo, mallinfo2, mallopt, malloc_trim, malloc_stats, malloc_info"};
    void *keep = malloc(1000);
    struct mallinfo2 info2 = mallinfo2();
    struct mallinfo info = mallinfo();
    (void)info2, (void)info;
    if (mallopt(M_TRIM_THRESHOLD, 1 << 20) != 1)
        failf(&c, "mallopt did not return 1");
    int trimmed = malloc_trim(0);
    if (trimmed != 0 && trimmed != 1)
        failf(&c, "malloc_trim returned %d", trimmed);
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    malloc_stats();
    dup2(saved, 2);
    close(saved);
    close(null);
    FILE *f = tmpfile();
    int rc = malloc_info(0, f), bad = malloc_info(1, f);
    if (rc != 0 || bad != EINVAL)
        failf(&c, "malloc_info returned %d, and %d for options 1", rc, bad);
    fclose(f);
    free(keep);
    done(&c);
}

int main(int argc, char **argv)
{
    bool shim = argc > 1 && strcmp(argv[1], "--shim") == 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    malloc_zero();
    free_null();
    realloc_edges();
    realloc_contents();
    calloc_zeroes();
    calloc_overflow();
    impossible_sizes();
    reallocarray_rules();
    posix_memalign_rules();
    aligned_powers("aligned_alloc aligns to every power of two up to 1 GiB", call_aligned_alloc);
    aligned_powers("memalign aligns to every power of two up to 1 GiB", call_memalign);
    memalign_odd();
    page_aligned();
    usable_size();
    alignment_16();
    free_keeps_errno();
    sized_frees(shim);
    glibc_extras();
    printf("%d checks, %d failed\n", checks, failures);
    return failures != 0;
}
