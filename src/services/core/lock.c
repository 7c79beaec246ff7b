/* Slow paths of hs_lock: spin briefly, then sleep on the futex. */
#define _GNU_SOURCE
#include "services/core/lock.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

__thread bool hs_lock_forking __attribute__((tls_model("initial-exec")));

static void futex_wait(int *word, int value)
{
    int saved = errno;
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
    errno = saved;
}

static void futex_wake_one(int *word)
{
    int saved = errno;
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    errno = saved;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void hs_lock_slow(hs_lock *l)
{
    for (int spin = 0; spin < 100; spin++) {
        if (__atomic_load_n(&l->state, __ATOMIC_RELAXED) == 0 && hs_lock_try(l))
            return;
        cpu_relax();
    }
    /* Mark the lock contended; whoever releases it then wakes a sleeper. */
    while (__atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE) != 0)
        futex_wait(&l->state, 2);
}

void hs_unlock_slow(hs_lock *l) { futex_wake_one(&l->state); }
