/* Shared by the entry points: the active allocator (the top of the wrapper
 * chain, or the backend itself) and the checked allocation every exported
 * function goes through. */
#ifndef HS_ENTRY_H
#define HS_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "services/core/check.h"
#include "services/core/thread.h"

#define HS_EXPORT __attribute__((visibility("default")))

extern const struct hs_backend *hs_active;

/* Initialises the shim on the first call, from whichever thread makes it. */
const struct hs_backend *hs_init(void);

static inline const struct hs_backend *hs_allocator(void)
{
    const struct hs_backend *b = __atomic_load_n(&hs_active, __ATOMIC_ACQUIRE);
    return __builtin_expect(b != NULL, 1) ? b : hs_init();
}

/* Sets errno to ENOMEM and returns NULL. */
void *hs_out_of_memory(void);
/* Marks a new block ignored if the thread is in an ignore scope. */
void hs_mark_ignored(const struct hs_backend *b, void *p);

/* A call made while this thread is inside the shim already: from a signal
 * handler that interrupted it (reentry.c). Each reports a reentrant-call
 * error (aborting under HEAPSHIM_ON_ERROR=abort) and touches no allocator:
 * an allocation returns NULL with errno ENOMEM, a free leaves the block
 * allocated, and any other call (named `call`, given ptr) returns 0 with
 * errno ENOMEM. */
void *hs_reentered_alloc(enum hs_alloc_kind kind, bool zero);
void hs_reentered_free(void *ptr, enum hs_alloc_kind kind);
size_t hs_reentered_call(const char *call, void *ptr);

/* Runs the backend's validate (backend.h) with the heap frozen; nothing
 * when it has none. Called only in expensive builds (check.h), from a
 * thread marked inside the shim that holds none of its locks. */
void hs_validate_heap(const struct hs_backend *b);

/* Expensive builds: a thread's allocations and releases validate the heap
 * every HS_VALIDATE_EVERY calls, then at intervals that grow by an eighth
 * of the calls so far: damage is caught near the call that did it early
 * on, and a validate that costs time in proportion to the heap (a system
 * call per guard page) still costs a bounded share of a long run. Thread
 * marked inside the shim, as above. */
#define HS_VALIDATE_EVERY 4096
void hs_validate_sometimes(const struct hs_backend *b);

/* Allocates size bytes aligned to align; NULL with errno ENOMEM when the
 * request is impossible (an alignment that is not a power of two among
 * them) or memory is exhausted. Inline: it is most of malloc's fast path. */
static inline __attribute__((always_inline)) void *hs_allocate(size_t size, size_t align,
                                                               enum hs_alloc_kind kind, bool zero)
{
    const struct hs_backend *b = hs_allocator();
    if (__builtin_expect(hs_thread_in_shim, 0))
        return hs_reentered_alloc(kind, zero);
    if (__builtin_expect(size > HS_MAX_REQUEST || align > HS_MAX_ALIGN || (align & (align - 1)), 0))
        return hs_out_of_memory();
    hs_thread_in_shim = true;
    void *p = b->alloc(size, align < HS_MIN_ALIGN ? HS_MIN_ALIGN : align, kind, zero);
    if (p && b->ignore) /* only backends that can mark blocks look at scopes */
        hs_mark_ignored(b, p);
    if (HS_EXPENSIVE_ON)
        hs_validate_sometimes(b);
    hs_thread_in_shim = false;
    return __builtin_expect(p != NULL, 1) ? p : hs_out_of_memory();
}

static inline void hs_release(void *ptr, enum hs_alloc_kind kind)
{
    if (!ptr)
        return;
    const struct hs_backend *b = hs_allocator();
    if (__builtin_expect(hs_thread_in_shim, 0)) {
        hs_reentered_free(ptr, kind);
        return;
    }
    hs_thread_in_shim = true;
    b->free(ptr, kind);
    if (HS_EXPENSIVE_ON)
        hs_validate_sometimes(b);
    hs_thread_in_shim = false;
}

struct hs_usage {
    size_t blocks, bytes;
};

/* The blocks in use and their bytes, counted with the backend held still
 * (mallinfo, malloc_stats, heapshim_stats). */
struct hs_usage hs_usage_now(void);

/* The backend with a realloc: itself if it has one, else a copy whose
 * realloc is built from its other operations. */
const struct hs_backend *hs_with_realloc(const struct hs_backend *backend);

#endif
