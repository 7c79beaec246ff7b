/* heapshim: what a program can ask of the shim.
 *
 * The shim is loaded with LD_PRELOAD onto programs that are not rebuilt;
 * this header is for the programs that want to talk to it. Everything here
 * is optional and there is nothing to link against: the shim's entry points
 * are weak symbols, so a program that includes this header runs the same
 * without the shim, and every function below then does nothing and returns
 * HEAPSHIM_NOT_LOADED (or NULL). Clean as C (C99 and later) and as C++.
 *
 * The functions take the shim's locks and may write a report: call them
 * from ordinary code, not from a signal handler. The program must be
 * position-independent (the default of today's gcc and clang): code built
 * with -fno-pie -no-pie has weak references bound to NULL when it is
 * linked, and sees the shim as absent. */
#ifndef HEAPSHIM_H
#define HEAPSHIM_H

#include <stddef.h>
#include <string.h>

#define HEAPSHIM_VERSION "0.1.0"
#define HEAPSHIM_VERSION_MAJOR 0
#define HEAPSHIM_VERSION_MINOR 1
#define HEAPSHIM_VERSION_PATCH 0

#ifdef __cplusplus
extern "C" {
#endif

/* What the functions return when they did not do what was asked; 0
 * (HEAPSHIM_OK), or a count, when they did. */
enum heapshim_status {
    HEAPSHIM_OK = 0,
    HEAPSHIM_NOT_LOADED = -1,   /* the shim is not preloaded: nothing was done */
    HEAPSHIM_UNSUPPORTED = -2,  /* the active backend cannot do this */
    HEAPSHIM_NOT_OWNED = -3,    /* the pointer is not one the call accepts (see it) */
    HEAPSHIM_UNCLASSIFIED = -4, /* the roots could not be read (no /proc): only
                                   the blocks in use were counted */
    HEAPSHIM_NO_SCOPE = -5      /* heapshim_ignore_end without an open scope */
};

struct heapshim_amount {
    size_t bytes, blocks;
};

/* A leak check's counts, as the leak report's summary gives them. */
struct heapshim_leaks {
    struct heapshim_amount definite;   /* no pointer to the block anywhere */
    struct heapshim_amount indirect;   /* reachable only from lost blocks */
    struct heapshim_amount possible;   /* reachable only through interior pointers */
    struct heapshim_amount reachable;  /* still pointed to from a root */
    struct heapshim_amount suppressed; /* left out by HEAPSHIM_SUPPRESSIONS */
    struct heapshim_amount live;       /* every block in use */
};

/* Flag of heapshim_leak_check: also write the leak report. */
#define HEAPSHIM_LEAK_REPORT 1

/* Function families, the index of heapshim_stats.calls. */
enum heapshim_call {
    HEAPSHIM_CALL_MALLOC,
    HEAPSHIM_CALL_CALLOC,
    HEAPSHIM_CALL_REALLOC,      /* realloc and reallocarray */
    HEAPSHIM_CALL_FREE,         /* free, free_sized, free_aligned_sized */
    HEAPSHIM_CALL_ALIGNED,      /* posix_memalign, aligned_alloc, memalign, valloc, pvalloc */
    HEAPSHIM_CALL_NEW,          /* every form of operator new */
    HEAPSHIM_CALL_NEW_ARRAY,    /* every form of operator new[] */
    HEAPSHIM_CALL_DELETE,       /* every form of operator delete */
    HEAPSHIM_CALL_DELETE_ARRAY, /* every form of operator delete[] */
    HEAPSHIM_CALLS
};

/* Bits of heapshim_stats.valid: which parts were filled in. */
#define HEAPSHIM_STATS_LIVE 1  /* live: always, under the shim */
#define HEAPSHIM_STATS_CALLS 2 /* peak and calls: with HEAPSHIM_STATS=1 */

struct heapshim_stats {
    unsigned valid;
    struct heapshim_amount live;  /* in use now */
    struct heapshim_amount peak;  /* the most each has been in use at once */
    size_t calls[HEAPSHIM_CALLS]; /* calls so far, by family */
};

/* The shim's entry points: weak, so NULL when it is not loaded. Call the
 * inline functions below rather than these. */
const char *heapshim_backend(void) __attribute__((weak));
int __heapshim_leak_check(struct heapshim_leaks *out, size_t out_size, int flags)
    __attribute__((weak));
int __heapshim_ignore(const void *ptr) __attribute__((weak));
int __heapshim_ignore_begin(void) __attribute__((weak));
int __heapshim_ignore_end(void) __attribute__((weak));
long __heapshim_check(void) __attribute__((weak));
int __heapshim_stats(struct heapshim_stats *out, size_t out_size) __attribute__((weak));
int __heapshim_print_stack(const void *ptr) __attribute__((weak));

/* heapshim_backend() above is the name of the active backend ("debug",
 * "page", ...); being weak, it must be tested before it is called. This
 * does both: the name, or NULL when the shim is not preloaded. */
static inline const char *heapshim_active_backend(void)
{
    return heapshim_backend ? heapshim_backend() : NULL;
}

/* Runs a leak check now, as the exit report does (the caller's stack and
 * registers are roots), and fills *out (if not NULL) with the counts. With
 * HEAPSHIM_LEAK_REPORT in flags it also writes the report, in text, to
 * HEAPSHIM_REPORT (to stderr under HEAPSHIM_REPORT_FORMAT=json, whose one
 * object per process is the exit report). Returns HEAPSHIM_OK, or
 * HEAPSHIM_UNCLASSIFIED (only out->live is filled). */
static inline __attribute__((always_inline)) int heapshim_leak_check(struct heapshim_leaks *out,
                                                                     int flags)
{
    if (__heapshim_leak_check)
        return __heapshim_leak_check(out, sizeof *out, flags);
    if (out)
        memset(out, 0, sizeof *out);
    return HEAPSHIM_NOT_LOADED;
}

/* Marks the block ptr points to the start of as an intentional leak: no
 * report counts it lost, and what it points to is reachable (like
 * __lsan_ignore_object). HEAPSHIM_NOT_OWNED if ptr is not the start of a
 * live block of the shim's; HEAPSHIM_UNSUPPORTED if the backend cannot mark. */
static inline int heapshim_ignore(const void *ptr)
{
    return __heapshim_ignore ? __heapshim_ignore(ptr) : HEAPSHIM_NOT_LOADED;
}

/* Opens a scope, for the calling thread only, in which every block it
 * allocates is marked as by heapshim_ignore; scopes nest. Returns
 * HEAPSHIM_OK, or HEAPSHIM_UNSUPPORTED (the scope is still counted, so
 * begin and end stay paired). */
static inline int heapshim_ignore_begin(void)
{
    return __heapshim_ignore_begin ? __heapshim_ignore_begin() : HEAPSHIM_NOT_LOADED;
}

/* Closes the calling thread's innermost scope; HEAPSHIM_NO_SCOPE if none
 * is open. */
static inline int heapshim_ignore_end(void)
{
    return __heapshim_ignore_end ? __heapshim_ignore_end() : HEAPSHIM_NOT_LOADED;
}

/* Checks every live block's redzones now, and every freed block still in
 * the quarantine for writes after free, and returns how many blocks are
 * damaged; each is reported as a heap error (which aborts the process under
 * HEAPSHIM_ON_ERROR=abort, the default), once. The exit report makes the
 * same check. HEAPSHIM_UNSUPPORTED under backends without redzones (page:
 * its guards fault at once instead). */
static inline long heapshim_check(void)
{
    return __heapshim_check ? __heapshim_check() : (long)HEAPSHIM_NOT_LOADED;
}

/* Fills *out (if not NULL) with the statistics; out->valid says which
 * parts are filled (the rest is zero). Returns HEAPSHIM_OK; without the
 * shim, *out is zero. */
static inline int heapshim_stats(struct heapshim_stats *out)
{
    if (__heapshim_stats)
        return __heapshim_stats(out, sizeof *out);
    if (out)
        memset(out, 0, sizeof *out);
    return HEAPSHIM_NOT_LOADED;
}

/* Writes, as report text, the block ptr points into (its start, its
 * interior or its redzone; live, or freed and still in quarantine): its
 * size, and where it was allocated and freed, with stacks under the debug
 * backend. HEAPSHIM_NOT_OWNED (and a line saying so) if ptr is in no block
 * the shim knows; HEAPSHIM_UNSUPPORTED if the backend cannot look blocks up. */
static inline int heapshim_print_stack(const void *ptr)
{
    return __heapshim_print_stack ? __heapshim_print_stack(ptr) : HEAPSHIM_NOT_LOADED;
}

#ifdef __cplusplus
}
#endif

#endif
