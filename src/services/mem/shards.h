/* A table of records split by key into shards, each with its own lock, so
 * that threads working on different keys do not queue on one lock. The
 * caller locks a shard and works on its table (table.h) in between. */
#ifndef HS_SHARDS_H
#define HS_SHARDS_H

#include "services/core/lock.h"
#include "services/mem/table.h"

#define HS_SHARD_COUNT 64

struct hs_shard {
    hs_lock lock;
    struct hs_table table;
} __attribute__((aligned(64)));

struct hs_shards {
    struct hs_shard shard[HS_SHARD_COUNT];
};

/* entry_size: the size of a record, which starts with its uintptr_t key. */
void hs_shards_init(struct hs_shards *s, size_t entry_size);

/* The shard of key, locked. Its hash must differ from the table's
 * (table.c), or a shard's keys would crowd one corner of its table. */
static inline struct hs_shard *hs_shard_lock(struct hs_shards *s, uintptr_t key)
{
    struct hs_shard *shard = &s->shard[(key >> 4) * 0xd6e8feb86659fd93ull >> 58];
    hs_lock_acquire(&shard->lock);
    return shard;
}

static inline void hs_shard_unlock(struct hs_shard *shard)
{
    hs_lock_release(&shard->lock);
}

/* fork(): every shard's lock is held across it. */
void hs_shards_fork_prepare(struct hs_shards *s);
void hs_shards_fork_parent(struct hs_shards *s);
void hs_shards_fork_child(struct hs_shards *s);

#endif
