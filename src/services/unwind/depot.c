/* The stack depot. */
#include "services/unwind/depot.h"

#include <stdbool.h>
#include <string.h>

#include "services/core/lock.h"
#include "services/mem/bulk.h"

#define BUCKETS ((size_t)1 << 16)
#define CHUNK ((size_t)1 << 20)
#define RECENT 1024

static struct hs_stack **buckets;
/* Stacks found lately, direct-mapped by hash: a program mostly allocates
 * from the stacks it allocated from a moment ago, and this table, unlike
 * the buckets and their chains, stays in the processor's cache. A raced
 * slot only costs the full lookup: entries are never freed. */
static const struct hs_stack *recent[RECENT];
/* Entries are carved from chunks under a lock held for a few instructions. */
static char *chunk_cursor, *chunk_end;
static hs_lock chunk_lock = HS_LOCK_INIT;

static uint32_t hash_pcs(const uintptr_t *pcs, unsigned depth)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < depth; i++)
        h = (h ^ pcs[i]) * 0x100000001b3ull;
    return (uint32_t)(h ^ (h >> 32));
}

static bool setup(void)
{
    struct hs_stack **table = hs_bulk_alloc(BUCKETS * sizeof *table);
    if (!table)
        return false;
    struct hs_stack **expected = NULL;
    if (!__atomic_compare_exchange_n(&buckets, &expected, table, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        hs_bulk_free(table, BUCKETS * sizeof *table);
    return true;
}

static struct hs_stack *new_entry(size_t bytes)
{
    hs_lock_acquire(&chunk_lock);
    if ((size_t)(chunk_end - chunk_cursor) < bytes) {
        char *chunk = hs_bulk_alloc(CHUNK);
        if (!chunk) {
            hs_lock_release(&chunk_lock);
            return NULL;
        }
        chunk_cursor = chunk;
        chunk_end = chunk + CHUNK;
    }
    struct hs_stack *entry = (struct hs_stack *)chunk_cursor;
    chunk_cursor += bytes;
    hs_lock_release(&chunk_lock);
    return entry;
}

void hs_depot_fork_prepare(void) { hs_lock_acquire(&chunk_lock); }

void hs_depot_fork_release(void) { hs_lock_release(&chunk_lock); }

static bool same(const struct hs_stack *s, const uintptr_t *pcs, unsigned depth, uint32_t hash)
{
    return s->hash == hash && s->depth == depth && memcmp(s->pcs, pcs, depth * sizeof *pcs) == 0;
}

static const struct hs_stack *find(struct hs_stack *head, const uintptr_t *pcs, unsigned depth,
                                   uint32_t hash)
{
    for (const struct hs_stack *s = head; s; s = s->next)
        if (same(s, pcs, depth, hash))
            return s;
    return NULL;
}

static const struct hs_stack *remember(const struct hs_stack *s)
{
    __atomic_store_n(&recent[s->hash % RECENT], s, __ATOMIC_RELEASE);
    return s;
}

const struct hs_stack *hs_depot_put(const uintptr_t *pcs, unsigned depth)
{
    if (depth == 0 || (!__atomic_load_n(&buckets, __ATOMIC_ACQUIRE) && !setup()))
        return NULL;
    uint32_t hash = hash_pcs(pcs, depth);
    const struct hs_stack *found = __atomic_load_n(&recent[hash % RECENT], __ATOMIC_ACQUIRE);
    if (found && same(found, pcs, depth, hash))
        return found;
    struct hs_stack **bucket = &buckets[hash & (BUCKETS - 1)];
    struct hs_stack *head = __atomic_load_n(bucket, __ATOMIC_ACQUIRE);
    found = find(head, pcs, depth, hash);
    if (found)
        return remember(found);
    struct hs_stack *entry = new_entry(sizeof *entry + depth * sizeof *pcs);
    if (!entry)
        return NULL;
    entry->hash = hash;
    entry->depth = depth;
    memcpy(entry->pcs, pcs, depth * sizeof *pcs);
    for (;;) {
        entry->next = head;
        if (__atomic_compare_exchange_n(bucket, &head, entry, false, __ATOMIC_RELEASE,
                                        __ATOMIC_ACQUIRE))
            return remember(entry);
        /* Someone published first: they may have stored this very stack.
         * The entry is then wasted, which is rare and harmless. */
        found = find(head, pcs, depth, hash);
        if (found)
            return remember(found);
    }
}
