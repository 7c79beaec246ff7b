/* The quarantine: freed blocks held back, filled with the freed pattern,
 * in a bound of bytes (HEAPSHIM_QUARANTINE), so that a write after free is
 * found when one leaves it (and at exit, and by heapshim_check()) and
 * reported with the allocation and free stacks.
 *
 * Each shard's part is a ring of the records of its freed blocks, oldest
 * first: they leave the block table when they enter, so the table holds
 * live blocks only, and eviction reads the ring in order instead of
 * searching the table. The rings are interleaved, position by position
 * (one page holds a position of every shard's), so a process that frees
 * little touches a page or two of them, not a page per shard. They are
 * mapped at start (or, failing that, at a later free), so that a free does
 * not need memory that may be gone by then. */
#include "backends/debug/zones.h"
#include "config.h"
#include "services/core/check.h"
#include "services/mem/bulk.h"

#define DEFAULT_QUARANTINE ((size_t)16 << 20)
#define EVICT_MAX 16

/* The bound is on all shards together. While the total is over it, the
 * shards give up their oldest blocks in turn, so that a block leaves after
 * about as many frees in a quiet shard as in a busy one. */
static size_t quarantine_limit;
static size_t quarantined_bytes; /* atomic */
static size_t eviction_turn;     /* atomic: the next shard to evict from */

/* A shard's part of the quarantine: count records in its ring from
 * position head, holding bytes. Guarded by the shard's lock. */
struct part {
    size_t head, count, bytes;
} __attribute__((aligned(64)));

static struct part parts[HS_SHARD_COUNT];
static struct debug_block *all_rings; /* atomic; RING_SLOTS per shard */

static inline struct debug_block *ring_slot(struct debug_block *rings, size_t shard,
                                            size_t position)
{
    return &rings[position % RING_SLOTS * HS_SHARD_COUNT + shard];
}

static struct debug_block *the_rings(void)
{
    struct debug_block *rings = __atomic_load_n(&all_rings, __ATOMIC_ACQUIRE);
    if (!rings) {
        struct debug_block *fresh = hs_bulk_alloc(QUARANTINE_SLOTS * sizeof *fresh), *none = NULL;
        if (!fresh)
            return NULL;
        if (__atomic_compare_exchange_n(&all_rings, &none, fresh, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            rings = fresh;
        else {
            hs_bulk_free(fresh, QUARANTINE_SLOTS * sizeof *fresh);
            rings = none;
        }
    }
    return rings;
}

void hs_debug_quarantine_init(void)
{
    quarantine_limit = hs_config.quarantine == SIZE_MAX ? DEFAULT_QUARANTINE : hs_config.quarantine;
    if (quarantine_limit)
        the_rings();
}

size_t hs_debug_quarantined_bytes(void)
{
    return __atomic_load_n(&quarantined_bytes, __ATOMIC_RELAXED);
}

const struct debug_block *hs_debug_quarantined(size_t shard, uintptr_t addr, bool in_slot)
{
    struct debug_block *rings = __atomic_load_n(&all_rings, __ATOMIC_ACQUIRE);
    const struct part *part = &parts[shard];
    for (size_t i = 0; rings && i < part->count; i++) {
        const struct debug_block *b = ring_slot(rings, shard, part->head + i);
        if (in_slot ? addr >= b->slot && addr < slot_end(b) : b->ptr == addr)
            return b;
    }
    return NULL;
}

/* Shard locked: takes its oldest block out of the quarantine into *out. */
static void evict_oldest(size_t shard, struct debug_block *out)
{
    struct part *part = &parts[shard];
    HS_ASSERT(part->count > 0);
    *out = *ring_slot(the_rings(), shard, part->head);
    HS_ASSERT(out->state == FREED && part->bytes >= held_bytes(out));
    part->head = (part->head + 1) % RING_SLOTS;
    part->count--;
    part->bytes -= held_bytes(out);
    size_t all_bytes = hs_counter_add(&quarantined_bytes, -held_bytes(out));
    HS_ASSERT(all_bytes >= held_bytes(out));
}

/* A block out of the quarantine, taken out by `call` (whose stack is
 * `stack`): a changed byte of its freed pattern is a write after free; then
 * its slot is reused. No lock held. */
static void release_evicted(const struct debug_block *b, const char *call,
                            const struct hs_stack *stack)
{
    size_t written = hs_debug_written_after_free(b);
    if (written)
        hs_debug_report_written_after_free(b, written, call, stack);
    hs_debug_put_slot(b);
}

/* The block the next eviction will take (the oldest of the shard whose
 * turn it is): its first bytes are asked for now, so the check it gets when
 * it leaves finds them in the cache rather than in memory. Read without the
 * shard's lock: a hint, which may be stale. */
static void prefetch_next_eviction(void)
{
    size_t next = __atomic_load_n(&eviction_turn, __ATOMIC_RELAXED) % HS_SHARD_COUNT;
    struct debug_block *rings = __atomic_load_n(&all_rings, __ATOMIC_ACQUIRE);
    if (!rings || !parts[next].count)
        return;
    uintptr_t ptr = ring_slot(rings, next, parts[next].head)->ptr;
    __builtin_prefetch((const void *)ptr);
    __builtin_prefetch((const void *)(ptr + 64));
}

void hs_debug_enter_quarantine(const struct debug_block *freed, const char *call,
                               const struct hs_stack *stack)
{
    struct debug_block evicted[EVICT_MAX];
    size_t evicted_count = 0;
    size_t shard = hs_shard_index(freed->ptr);
    struct hs_shard *s = &hs_debug_records.shard[shard];
    struct part *part = &parts[shard];
    struct debug_block *rings = quarantine_limit ? the_rings() : NULL;
    hs_lock_acquire(&s->lock);
    struct debug_block *record = hs_table_find(&s->table, freed->ptr);
    HS_ASSERT(record && record->state == FREED); /* marked by the free, still there */
    hs_table_remove(&s->table, record);
    if (rings) {
        if (part->count == RING_SLOTS)
            evict_oldest(shard, &evicted[evicted_count++]);
        *ring_slot(rings, shard, part->head + part->count) = *freed;
        part->count++;
        part->bytes += held_bytes(freed);
        hs_counter_add(&quarantined_bytes, held_bytes(freed));
    } else { /* no quarantine, or no memory for it: nothing is held back */
        evicted[evicted_count++] = *freed;
    }
    hs_lock_release(&s->lock);
    for (int tries = 0; tries < 2 * HS_SHARD_COUNT && evicted_count < EVICT_MAX &&
                        __atomic_load_n(&quarantined_bytes, __ATOMIC_RELAXED) > quarantine_limit;
         tries++) {
        size_t victim = hs_counter_add(&eviction_turn, 1) % HS_SHARD_COUNT;
        hs_lock_acquire(&hs_debug_records.shard[victim].lock);
        if (parts[victim].count > 0)
            evict_oldest(victim, &evicted[evicted_count++]);
        hs_lock_release(&hs_debug_records.shard[victim].lock);
    }
    for (size_t i = 0; i < evicted_count; i++)
        release_evicted(&evicted[i], call, stack);
    prefetch_next_eviction();
}

bool hs_debug_empty_quarantine(const char *call, const struct hs_stack *stack)
{
    bool any = false;
    for (size_t shard = 0; shard < HS_SHARD_COUNT; shard++) {
        hs_lock *lock = &hs_debug_records.shard[shard].lock;
        size_t count;
        do {
            struct debug_block evicted[EVICT_MAX];
            hs_lock_acquire(lock);
            for (count = 0; count < EVICT_MAX && parts[shard].count > 0; count++)
                evict_oldest(shard, &evicted[count]);
            hs_lock_release(lock);
            for (size_t k = 0; k < count; k++)
                release_evicted(&evicted[k], call, stack);
            any = any || count > 0;
        } while (count == EVICT_MAX);
    }
    return any;
}

/* Refills the freed pattern of a quarantined block whose damage was
 * reported, so that the same writes are not reported again when it leaves
 * the quarantine or at exit. */
static void repair_freed(uintptr_t ptr)
{
    struct hs_shard *s = shard_of(ptr);
    hs_lock_acquire(&s->lock);
    const struct debug_block *b = hs_debug_quarantined(hs_shard_index(ptr), ptr, false);
    if (b)
        fill_freed(b);
    hs_lock_release(&s->lock);
}

/* One shard at a time, as hs_debug_check_live does the redzones. */
size_t hs_debug_check_quarantine(const struct hs_stack *stack)
{
    struct debug_block *rings = __atomic_load_n(&all_rings, __ATOMIC_ACQUIRE);
    size_t damaged = 0;
    for (size_t shard = 0; rings && shard < HS_SHARD_COUNT; shard++) {
        hs_lock *lock = &hs_debug_records.shard[shard].lock;
        const struct part *part = &parts[shard];
        struct debug_block bad[32];
        size_t written[32], bad_count = 0;
        hs_lock_acquire(lock);
        for (size_t k = 0; k < part->count && bad_count < 32; k++) {
            const struct debug_block *b = ring_slot(rings, shard, part->head + k);
            if ((written[bad_count] = hs_debug_written_after_free(b)) > 0)
                bad[bad_count++] = *b;
        }
        hs_lock_release(lock);
        for (size_t k = 0; k < bad_count; k++) {
            hs_debug_report_written_after_free(&bad[k], written[k], "check", stack);
            repair_freed(bad[k].ptr);
        }
        damaged += bad_count;
    }
    return damaged;
}

void hs_debug_quarantine_facts(struct hs_backend_facts *out)
{
    for (size_t shard = 0; shard < HS_SHARD_COUNT; shard++) {
        hs_lock *lock = &hs_debug_records.shard[shard].lock;
        hs_lock_acquire(lock);
        out->quarantined_blocks += parts[shard].count;
        out->quarantined_bytes += parts[shard].bytes;
        hs_lock_release(lock);
    }
}

void hs_debug_validate_quarantine(void (*visit)(const struct debug_block *b, size_t shard,
                                                void *ctx),
                                  void *ctx)
{
    struct debug_block *rings = __atomic_load_n(&all_rings, __ATOMIC_ACQUIRE);
    size_t all_bytes = 0;
    for (size_t shard = 0; shard < HS_SHARD_COUNT; shard++) {
        const struct part *part = &parts[shard];
        size_t bytes = 0;
        HS_ASSERT(part->head < RING_SLOTS && part->count <= RING_SLOTS);
        HS_ASSERT(rings || part->count == 0);
        for (size_t k = 0; k < part->count; k++) {
            const struct debug_block *b = ring_slot(rings, shard, part->head + k);
            visit(b, shard, ctx);
            bytes += held_bytes(b);
        }
        HS_ASSERT(bytes == part->bytes);
        all_bytes += bytes;
    }
    HS_ASSERT(all_bytes == quarantined_bytes);
}
