/* The shim's own allocations: memory that libc allocates through the
 * exported malloc family on the shim's behalf (the record of the exit hook
 * that glibc's __cxa_thread_atexit_impl callocs), which is not the
 * program's and must not be traced, counted, failed or limited as its.
 *
 * With a wrapper switched on, the chain's top is a gate over it: a call
 * made while this thread is in an own scope goes straight to the backend,
 * and the block it returns is remembered, so that its free, which libc
 * makes later and outside any scope, goes straight to the backend too. One
 * such block is remembered at a time; once freed it is forgotten, so a
 * program's block later served at the same address is the program's. With
 * every wrapper off there is no gate and nothing to bypass: the bare fast
 * path pays nothing. In both cases the block is made inside an ignore
 * scope, so it is never reported as a leak. */
#include "services/core/check.h"
#include "services/core/thread.h"
#include "wrappers/wrappers.h"

static __thread bool in_own_scope __attribute__((tls_model("initial-exec")));
static const struct hs_backend *wrapped; /* the chain's top beneath the gate */
static const struct hs_backend *backend; /* the chain's bottom */
static void *own_block;                  /* the shim's live block, or NULL */
static struct hs_backend gate;

static void *gate_alloc(size_t size, size_t align, enum hs_alloc_kind kind, bool zero)
{
    if (__builtin_expect(!in_own_scope, 1))
        return wrapped->alloc(size, align, kind, zero);
    HS_ASSERT(__atomic_load_n(&own_block, __ATOMIC_RELAXED) == NULL);
    void *p = backend->alloc(size, align, kind, zero);
    __atomic_store_n(&own_block, p, __ATOMIC_RELAXED);
    return p;
}

static void gate_free(void *ptr, enum hs_alloc_kind kind)
{
    if (__builtin_expect(ptr != __atomic_load_n(&own_block, __ATOMIC_RELAXED), 1)) {
        wrapped->free(ptr, kind);
        return;
    }
    __atomic_store_n(&own_block, NULL, __ATOMIC_RELAXED);
    backend->free(ptr, kind);
}

const struct hs_backend *hs_own_over(const struct hs_backend *top, const struct hs_backend *bottom)
{
    wrapped = top;
    backend = bottom;
    gate = *top;
    gate.alloc = gate_alloc;
    gate.free = gate_free;
    return &gate;
}

void hs_own_begin(void)
{
    HS_ASSERT(!in_own_scope);
    in_own_scope = true;
    hs_thread_ignoring++;
}

void hs_own_end(void)
{
    HS_ASSERT(in_own_scope);
    hs_thread_ignoring--;
    in_own_scope = false;
}
