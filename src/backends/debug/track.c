/* The records: the out-of-band record of every block, kept in tables
 * sharded by address, and the lookups made in them: a live block by its
 * address, any block by an address in its slot, every live block. A
 * lookup holds its shard's lock only while it reads, and hands back a
 * copy, so a report is written with no lock held. */
#include "backends/debug/debug.h"
#include "services/report/errors.h"

struct hs_shards hs_debug_records;

static void block_of(const struct debug_block *b, struct hs_block *out)
{
    *out = (struct hs_block){
        .address = b->ptr,
        .size = b->size,
        .kind = (enum hs_alloc_kind)b->kind,
        .ignored = b->ignored,
        .thread = b->thread,
        .stack = b->alloc_stack,
        .extent_start = b->slot,
        .extent_end = slot_end(b),
    };
}

void hs_debug_describe(struct hs_error *e, const struct debug_block *b)
{
    e->has_block = true;
    e->block_freed = b->state == FREED;
    block_of(b, &e->block);
    e->free_stack = b->free_stack;
    e->free_thread = b->free_thread;
}

bool hs_debug_find_containing(uintptr_t addr, struct debug_block *out)
{
    bool found = false;
    for (int i = 0; i < HS_SHARD_COUNT && !found; i++) {
        struct hs_shard *s = &hs_debug_records.shard[i];
        hs_lock_acquire(&s->lock);
        size_t cursor = 0;
        const struct debug_block *b;
        while (!found && (b = hs_table_next(&s->table, &cursor)))
            if ((found = addr >= b->slot && addr < slot_end(b)))
                *out = *b;
        if (!found && (b = hs_debug_quarantined((size_t)i, addr, true))) {
            found = true;
            *out = *b;
        }
        hs_lock_release(&s->lock);
    }
    return found;
}

size_t hs_debug_usable_size(const void *ptr)
{
    struct hs_shard *s = shard_of((uintptr_t)ptr);
    hs_lock_acquire(&s->lock);
    const struct debug_block *b = hs_table_find(&s->table, (uintptr_t)ptr);
    size_t usable = b && b->state == LIVE ? b->size : HS_NOT_LIVE;
    hs_lock_release(&s->lock);
    return usable;
}

bool hs_debug_ignore(const void *ptr)
{
    struct hs_shard *s = shard_of((uintptr_t)ptr);
    hs_lock_acquire(&s->lock);
    struct debug_block *b = hs_table_find(&s->table, (uintptr_t)ptr);
    bool live = b && b->state == LIVE;
    if (live)
        b->ignored = true;
    hs_lock_release(&s->lock);
    return live;
}

void hs_debug_for_each_block(hs_block_visitor *visit, void *ctx)
{
    struct hs_block block;
    for (int i = 0; i < HS_SHARD_COUNT; i++) {
        size_t cursor = 0;
        const struct debug_block *b;
        while ((b = hs_table_next(&hs_debug_records.shard[i].table, &cursor))) {
            if (b->state == LIVE) {
                block_of(b, &block);
                visit(&block, ctx);
            }
        }
    }
}

/* Live or in the quarantine. Not used from a signal handler (this backend
 * does not fault), so it may wait for the locks. */
bool hs_debug_locate(uintptr_t addr, struct hs_place *out)
{
    struct debug_block b;
    if (!hs_debug_find_containing(addr, &b))
        return false;
    block_of(&b, &out->block);
    hs_place_relate(out, addr, b.state == FREED);
    if (b.state == FREED) {
        out->free_stack = b.free_stack;
        out->free_thread = b.free_thread;
    }
    return true;
}
