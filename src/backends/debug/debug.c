/* The debug backend's operations (backend.h): a block placed in a slot,
 * painted and recorded; freed, checked and quarantined; resized in place
 * while its slot has room; and the backend held still for the report and
 * for fork. The types and invariants are in debug.h. */
#include "backends/debug/zones.h"
#include "config.h"
#include "services/core/check.h"
#include "services/core/thread.h"
#include "services/mem/mapcache.h"
#include "services/report/errors.h"
#include "services/unwind/stack.h"

static const struct hs_stack *capture(void) { return hs_stack_record(hs_config.stack_depth); }

/* The call that made a block of this kind, or that releases one. */
static const char *call_of(enum hs_alloc_kind kind, bool release)
{
    static const char *const names[2][3] = {{"malloc", "new", "new[]"},
                                            {"free", "delete", "delete[]"}};
    return names[release][kind];
}

/* Places *b (its size set) in a slot, with its allocation stack unless it
 * has one, and records it; false, nothing held, when there is no memory
 * for either. */
static bool place(struct debug_block *b, size_t align, bool zero)
{
    size_t need = REDZONE + (align - HS_MIN_ALIGN) + b->size + REDZONE;
    bool zeroed;
    if (!hs_debug_get_slot(b, need, &zeroed))
        return false;
    HS_ASSERT(b->slot_size >= need); /* so the slot holds the block and its zones */
    b->ptr = align_up(b->slot + REDZONE, align);
    struct hs_shard *s = shard_of(b->ptr);
    hs_table_prefetch(&s->table, b->ptr); /* on its way while the stack is walked */
    if (!b->alloc_stack)
        b->alloc_stack = capture();
    fill_fresh(b, zero, zeroed);
    fill_zones(b);

    hs_lock_acquire(&s->lock);
    struct debug_block *entry = hs_table_insert(&s->table, b->ptr);
    HS_ASSERT(!entry || entry->slot == 0); /* new: no other record of the address */
    if (entry)
        *entry = *b;
    hs_lock_release(&s->lock);
    if (!entry)
        hs_debug_put_slot(b);
    return entry != NULL;
}

/* Out of memory, the quarantine gives its blocks back and the allocation
 * is tried once more; unless it holds less than the block needs, as for a
 * request larger than memory. */
static void *debug_alloc(size_t size, size_t align, enum hs_alloc_kind kind, bool zero)
{
    struct debug_block b = {
        .size = size,
        .thread = hs_thread_number(),
        .kind = (uint8_t)kind,
        .state = LIVE,
    };
    if (place(&b, align, zero))
        return (void *)b.ptr;
    if (hs_debug_quarantined_bytes() < size)
        return NULL;
    if (!b.alloc_stack)
        b.alloc_stack = capture();
    if (hs_debug_empty_quarantine(call_of(kind, false), b.alloc_stack) && place(&b, align, zero))
        return (void *)b.ptr;
    return NULL;
}

static void report_bad_pointer(void *ptr, const char *call, bool is_free,
                               const struct hs_stack *stack)
{
    struct hs_error e = {
        .address = (uintptr_t)ptr, .call = call, .stack = stack, .thread = hs_thread_number()};
    struct debug_block b;
    struct hs_shard *s = shard_of((uintptr_t)ptr);
    hs_lock_acquire(&s->lock);
    const struct debug_block *found = hs_table_find(&s->table, (uintptr_t)ptr);
    if (!found || found->state != FREED) /* FREED in the table: being freed now */
        found = hs_debug_quarantined(hs_shard_index((uintptr_t)ptr), (uintptr_t)ptr, false);
    bool freed = found != NULL;
    if (found)
        b = *found;
    hs_lock_release(&s->lock);
    if (freed) {
        e.kind = is_free ? HS_ERR_DOUBLE_FREE : HS_ERR_INVALID_REALLOC;
        hs_debug_describe(&e, &b);
    } else {
        e.kind = is_free ? HS_ERR_INVALID_FREE : HS_ERR_INVALID_REALLOC;
        if (hs_debug_find_containing((uintptr_t)ptr, &b))
            hs_debug_describe(&e, &b);
    }
    hs_heap_error(&e);
}

static void debug_report_invalid(void *ptr, const char *call)
{
    report_bad_pointer(ptr, call, false, capture());
}

static void debug_free(void *ptr, enum hs_alloc_kind kind)
{
    struct hs_shard *s = shard_of((uintptr_t)ptr);
    hs_table_prefetch(&s->table, (uintptr_t)ptr); /* on its way while the stack is walked */
    const struct hs_stack *stack = capture();
    hs_lock_acquire(&s->lock);
    struct debug_block *found = hs_table_find(&s->table, (uintptr_t)ptr);
    if (!found || found->state != LIVE) {
        hs_lock_release(&s->lock);
        report_bad_pointer(ptr, call_of(kind, true), true, stack);
        return;
    }
    found->state = FREED;
    found->free_stack = stack;
    found->free_thread = hs_thread_number();
    struct debug_block b = *found;
    hs_lock_release(&s->lock);

    if (b.kind != kind) {
        struct hs_error e = {.kind = HS_ERR_MISMATCHED_FREE,
                             .address = b.ptr,
                             .call = call_of(kind, true),
                             .stack = stack,
                             .thread = b.free_thread,
                             .released_as = kind};
        hs_debug_describe(&e, &b);
        e.block_freed = false;
        hs_heap_error(&e);
    }
    hs_debug_check_redzones(&b, call_of(kind, true), stack);
    fill_freed(&b);
    hs_debug_enter_quarantine(&b, call_of(kind, true), stack);
}

/* In place while the slot keeps a full right redzone. A damaged redzone
 * refuses, so that the free which follows reports it. */
static bool debug_resize(void *ptr, size_t new_size)
{
    bool done = false;
    struct hs_shard *s = shard_of((uintptr_t)ptr);
    hs_lock_acquire(&s->lock);
    struct debug_block *b = hs_table_find(&s->table, (uintptr_t)ptr);
    if (b && b->state == LIVE && new_size <= slot_end(b) - b->ptr - REDZONE &&
        hs_debug_right_zone_damage(b) == 0) {
        fill_grown(b, new_size);
        b->size = new_size;
        fill_zones(b);
        done = true;
    }
    hs_lock_release(&s->lock);
    return done;
}

/* heapshim_check() and the exit: the redzones of the live blocks, and the
 * freed pattern of the quarantined ones. */
static size_t debug_check_all(void)
{
    const struct hs_stack *stack = capture();
    return hs_debug_check_live(stack) + hs_debug_check_quarantine(stack);
}

static void debug_freeze(void)
{
    hs_shards_lock_all(&hs_debug_records);
    hs_debug_pools_lock();
}

static void debug_thaw(void)
{
    hs_debug_pools_unlock();
    hs_shards_unlock_all(&hs_debug_records);
}

static void debug_fork_prepare(void)
{
    debug_freeze();
    hs_mapcache_fork_prepare();
}

static void debug_fork_parent(void)
{
    hs_mapcache_fork_release();
    debug_thaw();
}

static void debug_fork_child(void)
{
    hs_mapcache_fork_release();
    hs_debug_pools_reset();
    hs_shards_reset_locks(&hs_debug_records);
}

static void debug_init(void)
{
    hs_shards_init(&hs_debug_records, sizeof(struct debug_block));
    hs_debug_quarantine_init();
}

const struct hs_backend hs_debug_backend = {
    .name = "debug",
    .records_stacks = true,
    .init = debug_init,
    .start = NULL,
    .alloc = debug_alloc,
    .resize = debug_resize,
    .remap = NULL,
    .free = debug_free,
    .usable_size = hs_debug_usable_size,
    .report_invalid = debug_report_invalid,
    .for_each_block = hs_debug_for_each_block,
    .locate = hs_debug_locate,
    .ignore = hs_debug_ignore,
    .check_all = debug_check_all,
    .validate = hs_debug_validate,
    .trim = NULL,
    .facts = hs_debug_quarantine_facts,
    .freeze = debug_freeze,
    .thaw = debug_thaw,
    .fork_prepare = debug_fork_prepare,
    .fork_parent = debug_fork_parent,
    .fork_child = debug_fork_child,
};
