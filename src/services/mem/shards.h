/* A table of records split by key into shards, each with its own lock, so
 * that threads working on different keys do not queue on one lock. The
 * caller locks a shard and works on its table (table.h) in between; a user
 * that keeps more per shard keeps it in an array of its own, indexed by
 * hs_shard_index and guarded by the same lock. */
#ifndef HS_SHARDS_H
#define HS_SHARDS_H

#include <stddef.h>
#include <stdint.h>

#include "services/core/lock.h"
#include "services/mem/table.h"

#define HS_SHARD_BITS 6
#define HS_SHARD_COUNT (1 << HS_SHARD_BITS)

_Static_assert(sizeof(uintptr_t) == sizeof(uint64_t),
               "the shard hash takes the top bits of a 64-bit product of the key");

struct hs_shard {
    hs_lock lock;
    struct hs_table table;
} __attribute__((aligned(64)));

struct hs_shards {
    struct hs_shard shard[HS_SHARD_COUNT];
};

/* entry_size: the size of a record, which starts with its uintptr_t key. */
void hs_shards_init(struct hs_shards *s, size_t entry_size);

/* The number of key's shard, below HS_SHARD_COUNT: the top HS_SHARD_BITS
 * bits of a multiplicative hash (keys are 16-byte aligned, so their low
 * four bits carry nothing). Its multiplier must differ from the table's
 * (table.c), or a shard's keys would crowd one corner of its table. */
static inline size_t hs_shard_index(uintptr_t key)
{
    return (size_t)((uint64_t)(key >> 4) * 0xd6e8feb86659fd93ull >> (64 - HS_SHARD_BITS));
}

/* The shard of key, not locked (to prefetch from its table, say). */
static inline struct hs_shard *hs_shard_of(struct hs_shards *s, uintptr_t key)
{
    return &s->shard[hs_shard_index(key)];
}

/* The shard of key, locked. */
static inline struct hs_shard *hs_shard_lock(struct hs_shards *s, uintptr_t key)
{
    struct hs_shard *shard = hs_shard_of(s, key);
    hs_lock_acquire(&shard->lock);
    return shard;
}

static inline void hs_shard_unlock(struct hs_shard *shard) { hs_lock_release(&shard->lock); }

/* Every shard's lock, taken in order (to hold the tables still, or across
 * fork()), released, or made free again in the child after fork(). */
void hs_shards_lock_all(struct hs_shards *s);
void hs_shards_unlock_all(struct hs_shards *s);
void hs_shards_reset_locks(struct hs_shards *s);

#endif
