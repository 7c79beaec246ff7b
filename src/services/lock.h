/* A small mutex on a futex word: no allocation, no initialisation call, valid
 * as a zeroed static, and safe to reset in a forked child.
 * States: 0 unlocked, 1 locked, 2 locked with waiters. */
#ifndef HS_LOCK_H
#define HS_LOCK_H

#include <stdbool.h>

typedef struct {
    int state;
} hs_lock;

#define HS_LOCK_INIT {0}

void hs_lock_slow(hs_lock *l);
void hs_unlock_slow(hs_lock *l);

static inline void hs_lock_acquire(hs_lock *l)
{
    int expected = 0;
    if (!__atomic_compare_exchange_n(&l->state, &expected, 1, false,
                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        hs_lock_slow(l);
}

static inline bool hs_lock_try(hs_lock *l)
{
    int expected = 0;
    return __atomic_compare_exchange_n(&l->state, &expected, 1, false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void hs_lock_release(hs_lock *l)
{
    if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
        hs_unlock_slow(l);
}

/* In the child after fork(): only the forking thread survives, so a lock it
 * held through the prepare handler is simply made free again. */
static inline void hs_lock_reset(hs_lock *l)
{
    __atomic_store_n(&l->state, 0, __ATOMIC_RELAXED);
}

#endif
