/* Sharded tables: initialisation, and every lock at once. */
#include "services/mem/shards.h"

void hs_shards_init(struct hs_shards *s, size_t entry_size)
{
    for (int i = 0; i < HS_SHARD_COUNT; i++)
        s->shard[i].table = (struct hs_table){NULL, entry_size, 0, 0, 0};
}

void hs_shards_lock_all(struct hs_shards *s)
{
    for (int i = 0; i < HS_SHARD_COUNT; i++)
        hs_lock_acquire(&s->shard[i].lock);
}

void hs_shards_unlock_all(struct hs_shards *s)
{
    for (int i = 0; i < HS_SHARD_COUNT; i++)
        hs_lock_release(&s->shard[i].lock);
}

void hs_shards_reset_locks(struct hs_shards *s)
{
    for (int i = 0; i < HS_SHARD_COUNT; i++)
        hs_lock_reset(&s->shard[i].lock);
}
