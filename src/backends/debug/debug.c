/* The debug backend: every live block recorded with its allocation stack,
 * and every misuse caught with the stacks that explain it.
 *
 * A block sits in a slot between two redzones:
 *
 *     slot            ptr              ptr+size                 slot_end
 *     | left redzone  | the block      | right redzone (>= 16)  |
 *
 * (Only the last 16 bytes of the left side are a redzone, and only the
 * first 4 KiB of the right side, so large alignments cost no fill.)
 *
 * Redzones are filled with patterns and checked on free, on realloc and at
 * exit, so an overflow or underflow is reported with the number of bytes
 * written. Fresh memory from malloc is filled with a non-zero pattern. Freed
 * blocks are filled with another pattern and held in a quarantine bounded in
 * bytes (HEAPSHIM_QUARANTINE); the pattern is checked when one leaves it,
 * at exit and by heapshim_check(), so a write after free is reported with
 * the allocation and free stacks.
 *
 * A block of more than SPLIT_MIN bytes is patterned only within EDGE bytes
 * of its ends: the whole pages between, its middle, are left as they are
 * when it is allocated and given back to the kernel when it is freed (they
 * then read as zeros), so a huge block costs no page faults it did not ask
 * for. A write after free into the middle is a page that came back into
 * memory holding something other than zeros.
 *
 * Records live out of band, in block tables sharded by address, each with
 * its own lock, so a corrupted heap cannot corrupt them and threads do not
 * serialise on one lock. Slots come from pools chosen by thread (a block
 * freed by another thread goes back to the pool it came from) or, when
 * large, from mappings of their own.
 *
 * The quarantine is kept per shard, under the shard's lock, so freeing takes
 * no global lock either: a freed block's record moves from the table to a
 * ring of the shard's, oldest first. Locks are never nested except in
 * fork_prepare,
 * which takes them all; a report is written only after every lock is
 * released, since writing one enumerates the blocks. */
#include <string.h>

#include "backend.h"
#include "config.h"
#include "services/mem/bulk.h"
#include "services/core/check.h"
#include "services/unwind/depot.h"
#include "services/core/lock.h"
#include "services/mem/mapcache.h"
#include "services/core/os.h"
#include "services/mem/pool.h"
#include "services/report/report.h"
#include "services/unwind/stack.h"
#include "services/mem/table.h"
#include "services/core/thread.h"

#define REDZONE 16
#define RIGHT_ZONE_MAX 4096  /* slack past that is left unfilled, unchecked */
#define FILL_FRESH 0xbe
#define FILL_FREED 0xfd
#define FILL_LEFT 0xfa
#define FILL_RIGHT 0xfb
#define SHARDS 64
#define POOLS 8
#define MAPPED 0xff          /* pool number of a slot mapped on its own */
#define DEFAULT_QUARANTINE ((size_t)16 << 20)
#define SPLIT_MIN ((size_t)1 << 20)
#define EDGE ((size_t)64 << 10)
#define QUARANTINE_SLOTS ((size_t)1 << 17)

enum state { LIVE, FREED };

struct debug_block {
    uintptr_t ptr;           /* key: the address the program holds */
    size_t size;
    uintptr_t slot;
    size_t slot_size;        /* the pool's size class, or the mapping's length */
    const struct hs_stack *alloc_stack, *free_stack;
    uint32_t thread, free_thread;
    uint8_t kind, state, pool;
    bool ignored;            /* never a leak (heapshim.h) */
};

/* A shard: the records of the live blocks whose addresses hash to it, and
 * its part of the quarantine (a ring of the records of freed blocks, oldest
 * first, in all_rings). */
struct shard {
    hs_lock lock;
    struct hs_table blocks;
    size_t head, count, bytes;     /* of its ring in the quarantine */
} __attribute__((aligned(64)));

struct locked_pool {
    hs_lock lock;
    struct hs_pool pool;
} __attribute__((aligned(64)));

static struct shard shards[SHARDS];
static struct locked_pool pools[POOLS];

#define RING_SLOTS (QUARANTINE_SLOTS / SHARDS)
/* The bound is on all shards together. While the total is over it, the
 * shards give up their oldest blocks in turn, so that a block leaves after
 * about as many frees in a quiet shard as in a busy one. */
static size_t quarantine_limit;
static size_t quarantined_bytes; /* atomic */
static size_t eviction_turn;     /* atomic: the next shard to evict from */

static inline struct shard *shard_of(uintptr_t ptr)
{
    return &shards[(ptr >> 4) * 0xd6e8feb86659fd93ull >> 58];
}

static inline uintptr_t align_up(uintptr_t x, size_t a) { return (x + a - 1) & ~(uintptr_t)(a - 1); }

static const struct hs_stack *capture(void)
{
    return hs_stack_record(hs_config.stack_depth);
}

static inline uintptr_t slot_end(const struct debug_block *b)
{
    return b->slot + b->slot_size;
}

/* The memory a freed block holds back while in the quarantine: its slot,
 * redzones and all. */
static inline size_t held_bytes(const struct debug_block *b)
{
    return b->slot_size;
}

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

/* Fills in the block part of an error report. */
static void describe(struct hs_error *e, const struct debug_block *b)
{
    e->has_block = true;
    e->block_freed = b->state == FREED;
    block_of(b, &e->block);
    e->free_stack = b->free_stack;
    e->free_thread = b->free_thread;
}

/* ---- slots ---- */

/* *zeroed: whether the slot reads as zeros. */
static bool get_slot(struct debug_block *b, size_t need, bool *zeroed)
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

static void put_slot(const struct debug_block *b)
{
    if (b->pool == MAPPED) {
        hs_mapcache_put((void *)b->slot, b->slot_size);
        return;
    }
    struct locked_pool *p = &pools[b->pool];
    hs_lock_acquire(&p->lock);
    hs_pool_free(&p->pool, (void *)b->slot, b->slot_size);
    hs_lock_release(&p->lock);
}

/* ---- redzones and fill patterns ---- */

/* The left redzone is the REDZONE bytes before the block (a large
 * alignment may leave more slack before it, which is not filled); the
 * right one runs to the end of the slot, at most RIGHT_ZONE_MAX bytes. */
static uintptr_t left_zone(const struct debug_block *b)
{
    return b->ptr - REDZONE;
}

static uintptr_t right_zone_end(const struct debug_block *b)
{
    uintptr_t end = slot_end(b);
    return end - (b->ptr + b->size) > RIGHT_ZONE_MAX ? b->ptr + b->size + RIGHT_ZONE_MAX : end;
}

/* memset for the fills: most blocks and zones are small, and for them
 * word stores inline cost less than the call. The tail is one more word
 * overlapping the last (or, below 8 bytes, stores of 4, 2 and 1). */
static inline void fill(uintptr_t p, unsigned char byte, size_t n)
{
    if (n > 256) {
        memset((void *)p, byte, n);
        return;
    }
    uint64_t word = 0x0101010101010101ull * byte;
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8)
            memcpy((void *)(p + i), &word, 8);
        memcpy((void *)(p + n - 8), &word, 8);
        return;
    }
    if (n & 4)
        memcpy((void *)p, &word, 4);
    if (n & 2)
        memcpy((void *)(p + (n & 4)), &word, 2);
    if (n & 1)
        *(unsigned char *)(p + (n & 6)) = byte;
}

static void fill_zones(const struct debug_block *b)
{
    fill(left_zone(b), FILL_LEFT, REDZONE);
    fill(b->ptr + b->size, FILL_RIGHT, right_zone_end(b) - (b->ptr + b->size));
}

/* The middle of a block: whole pages, empty unless the block is larger
 * than SPLIT_MIN (always a mapping of its own, then). */
struct middle {
    uintptr_t start, end;
};

static struct middle middle_of(uintptr_t ptr, size_t size)
{
    uintptr_t end = ptr + size;
    if (size <= SPLIT_MIN)
        return (struct middle){end, end};
    size_t page = hs_os_page_size();
    return (struct middle){align_up(ptr + EDGE, page), (end - EDGE) & ~(uintptr_t)(page - 1)};
}

/* Fills what [start, end) has outside the middle m. */
static void fill_around(uintptr_t start, uintptr_t end, unsigned char byte, struct middle m)
{
    uintptr_t before = end < m.start ? end : m.start, after = start > m.end ? start : m.end;
    if (start < before)
        fill(start, byte, before - start);
    if (after < end)
        fill(after, byte, end - after);
}

/* A block's contents when it is handed out: zeros for calloc (zeroed: the
 * slot reads as zeros already), else the fresh pattern. */
static void fill_fresh(const struct debug_block *b, bool zero, bool zeroed)
{
    if (zero && zeroed)
        return;
    struct middle m = middle_of(b->ptr, b->size);
    fill_around(b->ptr, b->ptr + b->size, zero ? 0 : FILL_FRESH, m);
    if (zero && m.end > m.start)
        hs_os_discard((void *)m.start, m.end - m.start);
}

/* A freed block's contents: the freed pattern, and a middle given back. */
static void fill_freed(const struct debug_block *b)
{
    struct middle m = middle_of(b->ptr, b->size);
    fill_around(b->ptr, b->ptr + b->size, FILL_FREED, m);
    if (m.end > m.start)
        hs_os_discard((void *)m.start, m.end - m.start);
}

/* How many bytes of [start, end) differ from fill: 64 bytes at a time
 * (one test for eight words), then whole words, the byte count only where
 * they differ. */
static size_t damaged_bytes(uintptr_t start, uintptr_t end, unsigned char fill)
{
    uint64_t pattern = 0x0101010101010101ull * fill;
    size_t damaged = 0;
    uintptr_t p = start;
    for (; p < end && (p & 7); p++)
        damaged += *(const unsigned char *)p != fill;
    for (; p + 64 <= end; p += 64) {
        uint64_t differ = 0, word;
        for (int i = 0; i < 8; i++) {
            memcpy(&word, (const void *)(p + 8 * i), 8);
            differ |= word ^ pattern;
        }
        for (int i = 0; differ && i < 64; i++)
            damaged += ((const unsigned char *)p)[i] != fill;
    }
    for (; p + 8 <= end; p += 8) {
        uint64_t word;
        memcpy(&word, (const void *)p, 8);
        if (word != pattern)
            for (int i = 0; i < 8; i++)
                damaged += ((const unsigned char *)p)[i] != fill;
    }
    for (; p < end; p++)
        damaged += *(const unsigned char *)p != fill;
    return damaged;
}

/* The bytes of a discarded middle [start, end) that are not zero, read
 * only in the pages a write (or a read) brought back into memory. */
static size_t written_in_middle(uintptr_t start, uintptr_t end)
{
    size_t page = hs_os_page_size(), written = 0;
    unsigned char resident[512];
    for (uintptr_t p = start; p < end; p += sizeof resident * page) {
        size_t pages = (end - p) / page < sizeof resident ? (end - p) / page : sizeof resident;
        bool known = hs_os_resident((void *)p, pages * page, resident);
        for (size_t i = 0; i < pages; i++)
            if (!known || (resident[i] & 1))
                written += damaged_bytes(p + i * page, p + (i + 1) * page, 0);
    }
    return written;
}

/* How many bytes of a freed block were written since it was freed. */
static size_t written_after_free(const struct debug_block *b)
{
    struct middle m = middle_of(b->ptr, b->size);
    return damaged_bytes(b->ptr, m.start, FILL_FREED) +
           damaged_bytes(m.end, b->ptr + b->size, FILL_FREED) + written_in_middle(m.start, m.end);
}

/* Reports a write after free into a quarantined block, b a copy, found by
 * `call` (whose stack is `stack`); lock not held. */
static void report_written_after_free(const struct debug_block *b, size_t written,
                                      const char *call, const struct hs_stack *stack)
{
    struct hs_error e = {.kind = HS_ERR_USE_AFTER_FREE, .address = b->ptr, .call = call,
                         .stack = stack, .thread = hs_thread_number(), .distance = written};
    describe(&e, b);
    hs_heap_error(&e);
}

/* Reports a block's damaged redzones; lock not held, b a copy. Returns the
 * number of redzones damaged (0 to 2). */
static int check_redzones(const struct debug_block *b, const char *call,
                          const struct hs_stack *stack)
{
    int damaged = 0;
    size_t before = damaged_bytes(left_zone(b), b->ptr, FILL_LEFT);
    size_t after = damaged_bytes(b->ptr + b->size, right_zone_end(b), FILL_RIGHT);
    if (before) {
        struct hs_error e = {.kind = HS_ERR_UNDERFLOW, .address = b->ptr, .call = call,
                             .stack = stack, .thread = hs_thread_number(), .distance = before};
        describe(&e, b);
        hs_heap_error(&e);
        damaged++;
    }
    if (after) {
        struct hs_error e = {.kind = HS_ERR_OVERFLOW, .address = b->ptr, .call = call,
                             .stack = stack, .thread = hs_thread_number(), .distance = after};
        describe(&e, b);
        hs_heap_error(&e);
        damaged++;
    }
    return damaged;
}

/* ---- the quarantine ---- */

/* Each shard's part is a ring of the records of its freed blocks, oldest
 * first: they leave the block table when they enter, so the table holds
 * live blocks only, and eviction reads the ring in order instead of
 * searching the table. The rings are interleaved, position by position
 * (one page holds a position of every shard's), so a process that frees
 * little touches a page or two of them, not a page per shard. They are
 * mapped at start (or, failing that, at a later free), so that a free does
 * not need memory that may be gone by then. */
static struct debug_block *all_rings; /* atomic; RING_SLOTS per shard */

static inline struct debug_block *ring_slot(struct debug_block *rings, const struct shard *s,
                                            size_t position)
{
    return &rings[position % RING_SLOTS * SHARDS + (size_t)(s - shards)];
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

/* The quarantined record of ptr in its shard's ring, or NULL. Shard locked;
 * a linear search, for error reports only. */
static const struct debug_block *quarantined(const struct shard *s, uintptr_t ptr)
{
    struct debug_block *rings = __atomic_load_n(&all_rings, __ATOMIC_ACQUIRE);
    for (size_t i = 0; rings && i < s->count; i++) {
        const struct debug_block *b = ring_slot(rings, s, s->head + i);
        if (b->ptr == ptr)
            return b;
    }
    return NULL;
}

#define EVICT_MAX 16

/* Shard locked: takes the oldest block out of the quarantine into *out. */
static void evict_oldest(struct shard *s, struct debug_block *out)
{
    *out = *ring_slot(the_rings(), s, s->head);
    s->head = (s->head + 1) % RING_SLOTS;
    s->count--;
    s->bytes -= held_bytes(out);
    hs_counter_add(&quarantined_bytes, -held_bytes(out));
}

/* A block out of the quarantine, taken out by `call` (whose stack is
 * `stack`): a changed byte of its freed pattern is a write after free; then
 * its slot is reused. No lock held. */
static void release_evicted(const struct debug_block *b, const char *call,
                            const struct hs_stack *stack)
{
    size_t written = written_after_free(b);
    if (written)
        report_written_after_free(b, written, call, stack);
    put_slot(b);
}

/* The block the next eviction will take (the oldest of the shard whose
 * turn it is): its first bytes are asked for now, so the check it gets when
 * it leaves finds them in the cache rather than in memory. Read without the
 * shard's lock: a hint, which may be stale. */
static void prefetch_next_eviction(void)
{
    struct shard *next = &shards[__atomic_load_n(&eviction_turn, __ATOMIC_RELAXED) % SHARDS];
    struct debug_block *rings = __atomic_load_n(&all_rings, __ATOMIC_ACQUIRE);
    if (!rings || !next->count)
        return;
    uintptr_t ptr = ring_slot(rings, next, next->head)->ptr;
    __builtin_prefetch((const void *)ptr);
    __builtin_prefetch((const void *)(ptr + 64));
}

/* Moves a freed block (marked FREED in the table) from the table into its
 * shard's quarantine, then evicts from the shards in turn while the
 * quarantine is over its bound; what leaves is released with no lock
 * held. call and stack: the free's. */
static void enter_quarantine(const struct debug_block *freed, const char *call,
                             const struct hs_stack *stack)
{
    struct debug_block evicted[EVICT_MAX];
    size_t evicted_count = 0;
    struct shard *s = shard_of(freed->ptr);
    struct debug_block *rings = quarantine_limit ? the_rings() : NULL;
    hs_lock_acquire(&s->lock);
    hs_table_remove(&s->blocks, hs_table_find(&s->blocks, freed->ptr));
    if (rings) {
        if (s->count == RING_SLOTS)
            evict_oldest(s, &evicted[evicted_count++]);
        *ring_slot(rings, s, s->head + s->count) = *freed;
        s->count++;
        s->bytes += held_bytes(freed);
        hs_counter_add(&quarantined_bytes, held_bytes(freed));
    } else { /* no quarantine, or no memory for it: nothing is held back */
        evicted[evicted_count++] = *freed;
    }
    hs_lock_release(&s->lock);
    for (int tries = 0; tries < 2 * SHARDS && evicted_count < EVICT_MAX &&
                        __atomic_load_n(&quarantined_bytes, __ATOMIC_RELAXED) > quarantine_limit;
         tries++) {
        struct shard *victim = &shards[hs_counter_add(&eviction_turn, 1) % SHARDS];
        hs_lock_acquire(&victim->lock);
        if (victim->count > 0)
            evict_oldest(victim, &evicted[evicted_count++]);
        hs_lock_release(&victim->lock);
    }
    for (size_t i = 0; i < evicted_count; i++)
        release_evicted(&evicted[i], call, stack);
    prefetch_next_eviction();
}

/* Releases every quarantined block, for an allocation that found no
 * memory (call and stack: its own). Returns whether there was any. */
static bool empty_quarantine(const char *call, const struct hs_stack *stack)
{
    bool any = false;
    for (int i = 0; i < SHARDS; i++) {
        struct shard *s = &shards[i];
        size_t count;
        do {
            struct debug_block evicted[EVICT_MAX];
            hs_lock_acquire(&s->lock);
            for (count = 0; count < EVICT_MAX && s->count > 0; count++)
                evict_oldest(s, &evicted[count]);
            hs_lock_release(&s->lock);
            for (size_t k = 0; k < count; k++)
                release_evicted(&evicted[k], call, stack);
            any = any || count > 0;
        } while (count == EVICT_MAX);
    }
    return any;
}

/* ---- the interface ---- */

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
    if (!get_slot(b, need, &zeroed))
        return false;
    b->ptr = align_up(b->slot + REDZONE, align);
    struct shard *s = shard_of(b->ptr);
    hs_table_prefetch(&s->blocks, b->ptr); /* on its way while the stack is walked */
    if (!b->alloc_stack)
        b->alloc_stack = capture();
    fill_fresh(b, zero, zeroed);
    fill_zones(b);

    hs_lock_acquire(&s->lock);
    struct debug_block *entry = hs_table_insert(&s->blocks, b->ptr);
    if (entry)
        *entry = *b;
    hs_lock_release(&s->lock);
    if (!entry)
        put_slot(b);
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
    if (__atomic_load_n(&quarantined_bytes, __ATOMIC_RELAXED) < size)
        return NULL;
    if (!b.alloc_stack)
        b.alloc_stack = capture();
    if (empty_quarantine(call_of(kind, false), b.alloc_stack) && place(&b, align, zero))
        return (void *)b.ptr;
    return NULL;
}

/* Any block, live or quarantined, whose slot holds addr (an interior
 * pointer, say); false if none. Takes each shard's lock in turn: a slow
 * path, for error reports only. */
static bool find_containing(uintptr_t addr, struct debug_block *out)
{
    struct debug_block *rings = __atomic_load_n(&all_rings, __ATOMIC_ACQUIRE);
    bool found = false;
    for (int i = 0; i < SHARDS && !found; i++) {
        struct shard *s = &shards[i];
        hs_lock_acquire(&s->lock);
        size_t cursor = 0;
        const struct debug_block *b;
        while (!found && (b = hs_table_next(&s->blocks, &cursor)))
            if ((found = addr >= b->slot && addr < slot_end(b)))
                *out = *b;
        for (size_t k = 0; rings && !found && k < s->count; k++) {
            b = ring_slot(rings, s, s->head + k);
            if ((found = addr >= b->slot && addr < slot_end(b)))
                *out = *b;
        }
        hs_lock_release(&s->lock);
    }
    return found;
}

static void report_bad_pointer(void *ptr, const char *call, bool is_free,
                               const struct hs_stack *stack)
{
    struct hs_error e = {.address = (uintptr_t)ptr, .call = call, .stack = stack,
                         .thread = hs_thread_number()};
    struct debug_block b;
    struct shard *s = shard_of((uintptr_t)ptr);
    hs_lock_acquire(&s->lock);
    const struct debug_block *found = hs_table_find(&s->blocks, (uintptr_t)ptr);
    if (!found || found->state != FREED) /* FREED in the table: being freed now */
        found = quarantined(s, (uintptr_t)ptr);
    bool freed = found != NULL;
    if (found)
        b = *found;
    hs_lock_release(&s->lock);
    if (freed) {
        e.kind = is_free ? HS_ERR_DOUBLE_FREE : HS_ERR_INVALID_REALLOC;
        describe(&e, &b);
    } else {
        e.kind = is_free ? HS_ERR_INVALID_FREE : HS_ERR_INVALID_REALLOC;
        if (find_containing((uintptr_t)ptr, &b))
            describe(&e, &b);
    }
    hs_heap_error(&e);
}

static void debug_report_invalid(void *ptr, const char *call)
{
    report_bad_pointer(ptr, call, false, capture());
}

static void debug_free(void *ptr, enum hs_alloc_kind kind)
{
    struct shard *s = shard_of((uintptr_t)ptr);
    hs_table_prefetch(&s->blocks, (uintptr_t)ptr); /* on its way while the stack is walked */
    const struct hs_stack *stack = capture();
    hs_lock_acquire(&s->lock);
    struct debug_block *found = hs_table_find(&s->blocks, (uintptr_t)ptr);
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
        struct hs_error e = {.kind = HS_ERR_MISMATCHED_FREE, .address = b.ptr,
                             .call = call_of(kind, true), .stack = stack,
                             .thread = b.free_thread, .released_as = kind};
        describe(&e, &b);
        e.block_freed = false;
        hs_heap_error(&e);
    }
    check_redzones(&b, call_of(kind, true), stack);
    fill_freed(&b);
    enter_quarantine(&b, call_of(kind, true), stack);
}

static size_t debug_usable_size(const void *ptr)
{
    struct shard *s = shard_of((uintptr_t)ptr);
    hs_lock_acquire(&s->lock);
    const struct debug_block *b = hs_table_find(&s->blocks, (uintptr_t)ptr);
    size_t usable = b && b->state == LIVE ? b->size : HS_NOT_LIVE;
    hs_lock_release(&s->lock);
    return usable;
}

/* In place while the slot keeps a full right redzone. A damaged redzone
 * refuses, so that the free which follows reports it. */
static bool debug_resize(void *ptr, size_t new_size)
{
    bool done = false;
    struct shard *s = shard_of((uintptr_t)ptr);
    hs_lock_acquire(&s->lock);
    struct debug_block *b = hs_table_find(&s->blocks, (uintptr_t)ptr);
    if (b && b->state == LIVE && new_size <= slot_end(b) - b->ptr - REDZONE &&
        damaged_bytes(b->ptr + b->size, right_zone_end(b), FILL_RIGHT) == 0) {
        if (new_size > b->size)
            fill_around(b->ptr + b->size, b->ptr + new_size, FILL_FRESH,
                        middle_of(b->ptr, new_size));
        b->size = new_size;
        fill_zones(b);
        done = true;
    }
    hs_lock_release(&s->lock);
    return done;
}

static void debug_for_each_block(hs_block_visitor *visit, void *ctx)
{
    struct hs_block block;
    for (int i = 0; i < SHARDS; i++) {
        size_t cursor = 0;
        const struct debug_block *b;
        while ((b = hs_table_next(&shards[i].blocks, &cursor))) {
            if (b->state == LIVE) {
                block_of(b, &block);
                visit(&block, ctx);
            }
        }
    }
}

/* Live or in the quarantine. Not used from a signal handler (this backend
 * does not fault), so it may wait for the locks. */
static bool debug_locate(uintptr_t addr, struct hs_place *out)
{
    struct debug_block b;
    if (!find_containing(addr, &b))
        return false;
    block_of(&b, &out->block);
    hs_place_relate(out, addr, b.state == FREED);
    if (b.state == FREED) {
        out->free_stack = b.free_stack;
        out->free_thread = b.free_thread;
    }
    return true;
}

static bool debug_ignore(const void *ptr)
{
    struct shard *s = shard_of((uintptr_t)ptr);
    hs_lock_acquire(&s->lock);
    struct debug_block *b = hs_table_find(&s->blocks, (uintptr_t)ptr);
    bool live = b && b->state == LIVE;
    if (live)
        b->ignored = true;
    hs_lock_release(&s->lock);
    return live;
}

/* Refills the redzones of a block whose damage was reported, so that the
 * same damage is not reported again at its free or at exit. */
static void repair_zones(uintptr_t ptr)
{
    struct shard *s = shard_of(ptr);
    hs_lock_acquire(&s->lock);
    const struct debug_block *b = hs_table_find(&s->blocks, ptr);
    if (b && b->state == LIVE)
        fill_zones(b);
    hs_lock_release(&s->lock);
}

/* Refills the freed pattern of a quarantined block whose damage was
 * reported, so that the same writes are not reported again when it leaves
 * the quarantine or at exit. */
static void repair_freed(uintptr_t ptr)
{
    struct shard *s = shard_of(ptr);
    hs_lock_acquire(&s->lock);
    const struct debug_block *b = quarantined(s, ptr);
    if (b)
        fill_freed(b);
    hs_lock_release(&s->lock);
}

/* Checks the freed pattern of every quarantined block, one shard at a
 * time, as check_live does the redzones. stack: the check's. */
static size_t check_quarantine(const struct hs_stack *stack)
{
    struct debug_block *rings = __atomic_load_n(&all_rings, __ATOMIC_ACQUIRE);
    size_t damaged = 0;
    for (int i = 0; rings && i < SHARDS; i++) {
        struct shard *s = &shards[i];
        struct debug_block bad[32];
        size_t written[32], bad_count = 0;
        hs_lock_acquire(&s->lock);
        for (size_t k = 0; k < s->count && bad_count < 32; k++) {
            const struct debug_block *b = ring_slot(rings, s, s->head + k);
            if ((written[bad_count] = written_after_free(b)) > 0)
                bad[bad_count++] = *b;
        }
        hs_lock_release(&s->lock);
        for (size_t k = 0; k < bad_count; k++) {
            report_written_after_free(&bad[k], written[k], "check", stack);
            repair_freed(bad[k].ptr);
        }
        damaged += bad_count;
    }
    return damaged;
}

/* Checks the live blocks of one shard at a time, copying out the damaged
 * ones so they can be reported with no lock held. stack: the check's. */
static size_t check_live(const struct hs_stack *stack)
{
    size_t damaged = 0;
    struct debug_block bad[32];
    for (int i = 0; i < SHARDS; i++) {
        struct shard *s = &shards[i];
        size_t cursor = 0, bad_count = 0;
        const struct debug_block *b;
        hs_lock_acquire(&s->lock);
        while ((b = hs_table_next(&s->blocks, &cursor)) && bad_count < 32)
            if (b->state == LIVE && (damaged_bytes(left_zone(b), b->ptr, FILL_LEFT) ||
                                     damaged_bytes(b->ptr + b->size, right_zone_end(b), FILL_RIGHT)))
                bad[bad_count++] = *b;
        hs_lock_release(&s->lock);
        for (size_t k = 0; k < bad_count; k++) {
            if (check_redzones(&bad[k], "check", stack) > 0) {
                damaged++;
                repair_zones(bad[k].ptr);
            }
        }
    }
    return damaged;
}

/* heapshim_check() and the exit: the redzones of the live blocks, and the
 * freed pattern of the quarantined ones. */
static size_t debug_check_all(void)
{
    const struct hs_stack *stack = capture();
    return check_live(stack) + check_quarantine(stack);
}

static void debug_facts(struct hs_backend_facts *out)
{
    for (int i = 0; i < SHARDS; i++) {
        hs_lock_acquire(&shards[i].lock);
        out->quarantined_blocks += shards[i].count;
        out->quarantined_bytes += shards[i].bytes;
        hs_lock_release(&shards[i].lock);
    }
}

static void debug_freeze(void)
{
    for (int i = 0; i < SHARDS; i++)
        hs_lock_acquire(&shards[i].lock);
    for (int i = 0; i < POOLS; i++)
        hs_lock_acquire(&pools[i].lock);
}

static void debug_thaw(void)
{
    for (int i = 0; i < POOLS; i++)
        hs_lock_release(&pools[i].lock);
    for (int i = 0; i < SHARDS; i++)
        hs_lock_release(&shards[i].lock);
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
    for (int i = 0; i < POOLS; i++)
        hs_lock_reset(&pools[i].lock);
    for (int i = 0; i < SHARDS; i++)
        hs_lock_reset(&shards[i].lock);
}

static void debug_init(void)
{
    for (int i = 0; i < SHARDS; i++)
        shards[i].blocks = (struct hs_table)HS_TABLE_INIT(struct debug_block);
    quarantine_limit = hs_config.quarantine == SIZE_MAX ? DEFAULT_QUARANTINE : hs_config.quarantine;
    if (quarantine_limit)
        the_rings();
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
    .usable_size = debug_usable_size,
    .report_invalid = debug_report_invalid,
    .for_each_block = debug_for_each_block,
    .locate = debug_locate,
    .ignore = debug_ignore,
    .check_all = debug_check_all,
    .trim = NULL,
    .facts = debug_facts,
    .freeze = debug_freeze,
    .thaw = debug_thaw,
    .fork_prepare = debug_fork_prepare,
    .fork_parent = debug_fork_parent,
    .fork_child = debug_fork_child,
};
