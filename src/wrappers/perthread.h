/* Per-thread blocks: a block of memory for each thread that needs one, so
 * that a thread can count or buffer without sharing a cache line, and a list
 * of them all, so that the exit can gather what every thread holds.
 *
 * The blocks come from the shim's own regions, never from thread-local
 * storage, which glibc hands to the next thread: a thread keeps only a
 * pointer to its block in a thread-local variable of its own. When a thread
 * ends, its block is folded into the owner's totals and kept for the next
 * thread; a block whose thread ended unseen stays on the list and is still
 * gathered at exit, so no count is ever lost. */
#ifndef HS_PERTHREAD_H
#define HS_PERTHREAD_H

#include <stddef.h>

#include "services/core/lock.h"

struct hs_perthread_link;

struct hs_perthread {
    size_t size;   /* bytes of each block */
    void *retired; /* the owner's totals of the threads that ended, or NULL */
    hs_lock lock;
    struct hs_perthread_link *in_use, *spare;
};

#define HS_PERTHREAD_INIT(bytes, retired) \
    { \
        (bytes), (retired), HS_LOCK_INIT, NULL, NULL \
    }

/* A zeroed block for the calling thread, on the list; NULL if out of
 * memory. The caller keeps it in its own thread-local pointer. */
void *hs_perthread_new(struct hs_perthread *pt);

/* At the thread's exit: fold(retired, block) runs under the list's lock,
 * then the block is zeroed and kept for another thread. */
void hs_perthread_retire(struct hs_perthread *pt, void *block,
                         void (*fold)(void *retired, void *block));

/* Calls visit for the retired totals (if any) and every block in use, under
 * the list's lock, so that a thread ending meanwhile is counted once. */
void hs_perthread_for_each(struct hs_perthread *pt, void (*visit)(void *block, void *ctx),
                           void *ctx);

/* fork(): the list's lock is held across it. */
void hs_perthread_fork_prepare(struct hs_perthread *pt);
void hs_perthread_fork_parent(struct hs_perthread *pt);
void hs_perthread_fork_child(struct hs_perthread *pt);

#endif
