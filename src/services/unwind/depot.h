/* The stack depot: every distinct stack stored once, for the life of the
 * process, and named by a stable pointer. Lookups and inserts take no lock:
 * entries are never removed, and a new one is published with a
 * compare-and-swap on its hash chain. */
#ifndef HS_DEPOT_H
#define HS_DEPOT_H

#include <stdint.h>

struct hs_stack {
    struct hs_stack *next; /* hash chain */
    uint32_t hash;
    uint32_t depth;
    uintptr_t pcs[];
};

/* The stored copy of pcs[0..depth), or NULL when depth is 0 or memory is
 * exhausted. */
const struct hs_stack *hs_depot_put(const uintptr_t *pcs, unsigned depth);

/* fork(): the depot's lock is held across it. */
void hs_depot_fork_prepare(void);
void hs_depot_fork_release(void);

#endif
