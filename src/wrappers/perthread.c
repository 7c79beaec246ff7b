/* Per-thread blocks, carved from regions a few at a time; the lists are
 * doubly linked so that a block leaves the in-use list at once. */
#include "wrappers/perthread.h"

#include <string.h>

#include "services/mem/regions.h"

struct hs_perthread_link {
    struct hs_perthread_link *next, *prev;
} __attribute__((aligned(16)));

#define BLOCKS_PER_REGION 16

static size_t stride(const struct hs_perthread *pt)
{
    return sizeof(struct hs_perthread_link) + ((pt->size + 15) & ~(size_t)15);
}

/* Lock held. */
static void link_in_use(struct hs_perthread *pt, struct hs_perthread_link *l)
{
    l->prev = NULL;
    l->next = pt->in_use;
    if (pt->in_use)
        pt->in_use->prev = l;
    pt->in_use = l;
}

/* Lock held: puts a fresh region's blocks on the spare list. */
static void add_region(struct hs_perthread *pt)
{
    char *region = hs_region_map(BLOCKS_PER_REGION * stride(pt));
    for (size_t i = 0; region && i < BLOCKS_PER_REGION; i++) {
        struct hs_perthread_link *l = (struct hs_perthread_link *)(region + i * stride(pt));
        l->next = pt->spare;
        pt->spare = l;
    }
}

void *hs_perthread_new(struct hs_perthread *pt)
{
    hs_lock_acquire(&pt->lock);
    if (!pt->spare)
        add_region(pt);
    struct hs_perthread_link *l = pt->spare;
    if (l) {
        pt->spare = l->next;
        link_in_use(pt, l);
    }
    hs_lock_release(&pt->lock);
    return l ? l + 1 : NULL;
}

void hs_perthread_retire(struct hs_perthread *pt, void *block,
                         void (*fold)(void *retired, void *block))
{
    struct hs_perthread_link *l = (struct hs_perthread_link *)block - 1;
    hs_lock_acquire(&pt->lock);
    fold(pt->retired, block);
    memset(block, 0, pt->size);
    if (l->prev)
        l->prev->next = l->next;
    else
        pt->in_use = l->next;
    if (l->next)
        l->next->prev = l->prev;
    l->next = pt->spare;
    pt->spare = l;
    hs_lock_release(&pt->lock);
}

void hs_perthread_for_each(struct hs_perthread *pt, void (*visit)(void *block, void *ctx),
                           void *ctx)
{
    hs_lock_acquire(&pt->lock);
    if (pt->retired)
        visit(pt->retired, ctx);
    for (struct hs_perthread_link *l = pt->in_use; l; l = l->next)
        visit(l + 1, ctx);
    hs_lock_release(&pt->lock);
}

void hs_perthread_fork_prepare(struct hs_perthread *pt) { hs_lock_acquire(&pt->lock); }

void hs_perthread_fork_parent(struct hs_perthread *pt) { hs_lock_release(&pt->lock); }

void hs_perthread_fork_child(struct hs_perthread *pt) { hs_lock_reset(&pt->lock); }
