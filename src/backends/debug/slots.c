/* The slots blocks sit in: a small one from one of POOLS pools, chosen by
 * thread so that threads seldom wait for each other's lock (a block freed
 * by another thread goes back to the pool it came from); a large one from
 * a mapping of its own, through the mapping cache. */
#include "backends/debug/debug.h"
#include "services/core/check.h"
#include "services/core/thread.h"
#include "services/mem/mapcache.h"
#include "services/mem/pool.h"

struct locked_pool {
    hs_lock lock;
    struct hs_pool pool;
} __attribute__((aligned(64)));

static struct locked_pool pools[POOLS];

bool hs_debug_get_slot(struct debug_block *b, size_t need, bool *zeroed)
{
    *zeroed = false;
    if (need <= HS_CLASS_MAX_SIZE) {
        struct locked_pool *p = &pools[hs_thread_number() % POOLS];
        hs_lock_acquire(&p->lock);
        void *slot = hs_pool_alloc(&p->pool, need);
        hs_lock_release(&p->lock);
        if (!slot)
            return false;
        b->pool = (uint8_t)(p - pools);
        b->slot = (uintptr_t)slot;
        b->slot_size = hs_class_size(hs_size_class(need));
        return true;
    }
    /* A region: while the block sits in the quarantine its slot must not
     * be taken for a root by the reachability scan. */
    size_t len = hs_mapcache_length(need);
    void *map = hs_mapcache_get(len, zeroed);
    if (!map)
        return false;
    b->pool = MAPPED;
    b->slot = (uintptr_t)map;
    b->slot_size = len;
    return true;
}

void hs_debug_put_slot(const struct debug_block *b)
{
    if (b->pool == MAPPED) {
        hs_mapcache_put((void *)b->slot, b->slot_size);
        return;
    }
    HS_ASSERT(b->pool < POOLS);
    struct locked_pool *p = &pools[b->pool];
    hs_lock_acquire(&p->lock);
    hs_pool_free(&p->pool, (void *)b->slot, b->slot_size);
    hs_lock_release(&p->lock);
}

void hs_debug_pools_lock(void)
{
    for (int i = 0; i < POOLS; i++)
        hs_lock_acquire(&pools[i].lock);
}

void hs_debug_pools_unlock(void)
{
    for (int i = 0; i < POOLS; i++)
        hs_lock_release(&pools[i].lock);
}

void hs_debug_pools_reset(void)
{
    for (int i = 0; i < POOLS; i++)
        hs_lock_reset(&pools[i].lock);
}

void hs_debug_for_each_free_slot(void (*visit)(uintptr_t slot, size_t len, void *ctx), void *ctx)
{
    for (int i = 0; i < POOLS; i++) {
        for (unsigned cls = 0; cls < HS_CLASS_COUNT; cls++) {
            const struct hs_free_stack *stack = &pools[i].pool.free[cls];
            for (size_t k = 0; k < stack->count; k++)
                visit((uintptr_t)stack->blocks[k], hs_class_size(cls), ctx);
        }
    }
}
