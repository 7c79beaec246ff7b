/* Calls that re-enter the shim on one thread: a signal handler that runs
 * while its thread is inside malloc or free and calls malloc or free in
 * turn. The interrupted call may hold any of the backend's locks (waiting
 * for one would wait forever, on a thread that cannot go on until the
 * handler returns) and may be midway through changing the backend's tables
 * (going on would corrupt them). Not legal C, but real programs do it.
 *
 * The entry points mark the thread while it is inside the shim
 * (hs_thread_in_shim); a call that finds the mark comes here and never
 * reaches the allocator. It is reported as a heap error, reentrant-call,
 * with the stack of the call, which runs through the handler and on into
 * the interrupted call. Then, as HEAPSHIM_ON_ERROR says, the process aborts,
 * or the call is refused: an allocation returns NULL with errno ENOMEM, a
 * free leaves its block allocated (it shows in the exit report as in use).
 * Nothing is allocated and no lock is waited for on the way.
 *
 * The stacks are stored here, not in the depot, whose lock the interrupted
 * call may hold: the first STACKS_KEPT reentrant calls keep theirs (the
 * JSON report lists them at exit), later ones are reported without. */
#include <errno.h>
#include <stddef.h>

#include "config.h"
#include "entry/entry.h"
#include "services/core/thread.h"
#include "services/report/errors.h"
#include "services/unwind/depot.h"
#include "services/unwind/stack.h"

#define STACKS_KEPT 16

struct kept_stack {
    struct hs_stack stack;
    uintptr_t pcs[HS_STACK_MAX];
};

_Static_assert(offsetof(struct kept_stack, pcs) == offsetof(struct hs_stack, pcs),
               "a kept stack's frames are its hs_stack's");

static struct kept_stack kept[STACKS_KEPT];
static unsigned kept_count; /* atomic: slots claimed */

/* The calling thread's stack in a slot of its own, or NULL when all are
 * taken. HEAPSHIM_STACK_DEPTH=0 still gets the default depth: without the stack the
 * error does not say where the handler is. */
static const struct hs_stack *keep_stack(void)
{
    unsigned depth = hs_config.stack_depth ? hs_config.stack_depth : HS_STACK_DEFAULT;
    if (__atomic_load_n(&kept_count, __ATOMIC_RELAXED) >= STACKS_KEPT)
        return NULL;
    unsigned slot = __atomic_fetch_add(&kept_count, 1, __ATOMIC_RELAXED);
    if (slot >= STACKS_KEPT)
        return NULL;
    struct kept_stack *k = &kept[slot];
    k->stack.depth = hs_stack_capture(k->pcs, depth < HS_STACK_MAX ? depth : HS_STACK_MAX);
    return &k->stack;
}

static void report(const char *call, void *ptr)
{
    struct hs_error e = {.kind = HS_ERR_REENTRANT_CALL,
                         .address = (uintptr_t)ptr,
                         .call = call,
                         .stack = keep_stack(),
                         .thread = hs_thread_number_tls};
    hs_report_reentry(&e);
}

void *hs_reentered_alloc(enum hs_alloc_kind kind, bool zero)
{
    report(kind == HS_KIND_NEW         ? "operator new"
           : kind == HS_KIND_NEW_ARRAY ? "operator new[]"
           : zero                      ? "calloc"
                                       : "malloc",
           NULL);
    errno = ENOMEM;
    return NULL;
}

void hs_reentered_free(void *ptr, enum hs_alloc_kind kind)
{
    report(kind == HS_KIND_NEW         ? "operator delete"
           : kind == HS_KIND_NEW_ARRAY ? "operator delete[]"
                                       : "free",
           ptr);
}

size_t hs_reentered_call(const char *call, void *ptr)
{
    report(call, ptr);
    errno = ENOMEM;
    return 0;
}
