/* A small mutex on a futex word: no allocation, no initialisation call, valid
 * as a zeroed static, and safe to reset in a forked child.
 * States: 0 unlocked, 1 locked, 2 locked with waiters.
 *
 * While the process has one thread (glibc's __libc_single_threaded: it has
 * never started a second, or it is a child after fork), no other thread can
 * contend, so the lock and the shim's counters use plain loads and stores
 * instead of atomic instructions, each of which is a full barrier that
 * waits for every pending store (the fills of a block's memory among them).
 * glibc's own malloc does the same. A thread that holds a lock cannot start
 * another meanwhile: the shim never creates threads. */
#ifndef HS_LOCK_H
#define HS_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/single_threaded.h>

typedef struct {
    int state;
} hs_lock;

#define HS_LOCK_INIT \
    { \
        0 \
    }

void hs_lock_slow(hs_lock *l);
void hs_unlock_slow(hs_lock *l);

/* Set on the thread that forks, from the end of the shim's prepare handler,
 * which has taken every lock of the shim, to the start of its parent or
 * child handler. The program's fork handlers registered before the shim's
 * run in that window on that thread (their prepare after the shim's, their
 * parent and child handlers before the shim's) and may allocate: no other
 * thread can get past a lock meanwhile, so this thread's acquisitions and
 * releases are no-ops instead of waiting for itself. */
extern __thread bool hs_lock_forking __attribute__((tls_model("initial-exec")));

static inline bool hs_single_threaded(void)
{
    return __atomic_load_n(&__libc_single_threaded, __ATOMIC_RELAXED);
}

static inline void hs_lock_acquire(hs_lock *l)
{
    if (__builtin_expect(hs_lock_forking, 0))
        return;
    if (hs_single_threaded()) {
        l->state = 1;
        return;
    }
    int expected = 0;
    if (!__atomic_compare_exchange_n(&l->state, &expected, 1, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        hs_lock_slow(l);
}

static inline bool hs_lock_try(hs_lock *l)
{
    if (__builtin_expect(hs_lock_forking, 0))
        return true;
    int expected = 0;
    return __atomic_compare_exchange_n(&l->state, &expected, 1, false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

static inline void hs_lock_release(hs_lock *l)
{
    if (__builtin_expect(hs_lock_forking, 0))
        return;
    if (hs_single_threaded()) {
        __atomic_store_n(&l->state, 0, __ATOMIC_RELEASE);
        return;
    }
    if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
        hs_unlock_slow(l);
}

/* *counter += delta (wrapping), atomically unless single-threaded; the
 * value before. */
static inline size_t hs_counter_add(size_t *counter, size_t delta)
{
    if (hs_single_threaded()) {
        size_t old = *counter;
        *counter = old + delta;
        return old;
    }
    return __atomic_fetch_add(counter, delta, __ATOMIC_RELAXED);
}

/* In the child after fork(): only the forking thread survives, so a lock it
 * held through the prepare handler is simply made free again. */
static inline void hs_lock_reset(hs_lock *l) { __atomic_store_n(&l->state, 0, __ATOMIC_RELAXED); }

#endif
