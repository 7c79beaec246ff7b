/* The reservation: one PROT_NONE range, handed out in runs of whole
 * segments under one lock. Taking and giving segments is rare (a heap takes
 * a 4 MiB segment at a time), so a bitmap searched from the lowest free
 * index is enough, and keeps the used part of the range dense.
 *
 * Committing and decommitting cost a system call each, expensive on some
 * machines, so a few freed single segments stay committed in a cache and go
 * back to the kernel only when they have sat there for a while. */

#include "backends/arena/arena.h"
#include "services/core/check.h"
#include "services/core/lock.h"
#include "services/core/os.h"
#include "services/mem/regions.h"

/* Tried first, halved on failure (a ulimit -v, a small address space). */
#define RESERVATION_SIZE ((size_t)1 << 42)
#define RESERVATION_MIN ((size_t)1 << 30)
#define CACHE_SEGMENTS 8
#define CACHE_DELAY_MS 1000
_Static_assert(RESERVATION_MIN >= SEGMENT_SIZE && (RESERVATION_MIN & (RESERVATION_MIN - 1)) == 0,
               "halving the reservation keeps whole segments");

struct reservation hs_arena_space;

static struct {
    hs_lock lock;
    uint64_t *used; /* bit per segment */
    size_t segments;
    size_t lowest_free; /* no free segment below this index */
    size_t end;         /* no segment was ever used from here on */
    struct {
        size_t index;
        uint64_t since_ms;
    } cache[CACHE_SEGMENTS];
    unsigned cached;
} space;

/* The secrets of the freed tags and free-list links (arena.h), independent
 * of each other. */
static void choose_keys(void)
{
    hs_arena_space.tag_key = hs_os_random() | 1;
    hs_arena_space.link_mask = hs_os_random();
    uintptr_t m = hs_os_random() | 1;
    /* Newton's iteration for the inverse modulo 2^64: m is its own inverse
     * to 3 bits, and each step doubles the bits that are right. */
    uintptr_t inverse = m;
    for (int i = 0; i < 5; i++)
        inverse *= 2 - m * inverse;
    HS_ASSERT(m * inverse == 1);
    hs_arena_space.link_multiplier = m;
    hs_arena_space.link_inverse = inverse;
    hs_arena_space.link_rotate = 1 + (unsigned)(hs_os_random() % 63);
}

bool hs_arena_reserve(void)
{
    size_t size = RESERVATION_SIZE;
    void *range = NULL;
    for (; size >= RESERVATION_MIN && !range; size /= 2)
        range = hs_os_map(size + SEGMENT_SIZE, true);
    if (!range)
        return false;
    size *= 2; /* undo the last halving */
    uintptr_t base = ((uintptr_t)range + SEGMENT_SIZE - 1) & ~(SEGMENT_SIZE - 1);
    size_t segments = size >> SEGMENT_SHIFT;
    uint8_t *kinds = hs_region_map(segments);
    uint64_t *used = hs_region_map((segments + 63) / 64 * sizeof *used);
    if (!kinds || !used)
        return false;
    space.used = used;
    space.segments = segments;
    hs_arena_space.segment_kind = kinds;
    choose_keys();
    hs_arena_space.base = base;
    __atomic_store_n(&hs_arena_space.size, size, __ATOMIC_RELEASE);
    /* Blocks are not roots for the leak scan, nor are free slices or page
     * descriptors: the scan reaches live blocks through the block list. */
    hs_region_add((uintptr_t)range, (uintptr_t)range + size + SEGMENT_SIZE);
    return true;
}

static bool is_used(size_t i) { return space.used[i / 64] >> (i % 64) & 1; }

static void mark(size_t first, size_t count, bool used, enum segment_kind kind)
{
    for (size_t i = first; i < first + count; i++) {
        if (used)
            space.used[i / 64] |= (uint64_t)1 << (i % 64);
        else
            space.used[i / 64] &= ~((uint64_t)1 << (i % 64));
        uint8_t k = i == first ? (uint8_t)kind : SEGMENT_HUGE_TAIL;
        __atomic_store_n(&hs_arena_space.segment_kind[i], used ? k : SEGMENT_FREE,
                         __ATOMIC_RELEASE);
    }
    if (!used && first < space.lowest_free)
        space.lowest_free = first;
    if (used && first + count > space.end)
        space.end = first + count;
}

/* First free run of count segments whose address is a multiple of align
 * segments. */
static size_t find_run(size_t count, size_t align)
{
    size_t base_index = hs_arena_space.base >> SEGMENT_SHIFT;
    size_t start = (base_index + space.lowest_free + align - 1) / align * align - base_index;
    while (start + count <= space.segments) {
        size_t i = start;
        while (i < start + count && !is_used(i))
            i++;
        if (i == start + count)
            return start;
        start = (base_index + i + align) / align * align - base_index;
    }
    return SIZE_MAX;
}

static void *segment_address(size_t index)
{
    return (void *)(hs_arena_space.base + (index << SEGMENT_SHIFT));
}

static size_t segment_index(const void *start)
{
    return ((uintptr_t)start - hs_arena_space.base) >> SEGMENT_SHIFT;
}

/* Lock held. Returns cached segments that have waited long enough. */
static void expire_cache(uint64_t now, bool all)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < space.cached; i++) {
        if (all || now - space.cache[i].since_ms >= CACHE_DELAY_MS) {
            hs_os_decommit(segment_address(space.cache[i].index), SEGMENT_SIZE);
            mark(space.cache[i].index, 1, false, SEGMENT_FREE);
        } else {
            space.cache[kept++] = space.cache[i];
        }
    }
    space.cached = kept;
}

void *hs_arena_take_segments(size_t count, size_t align_segments, enum segment_kind kind,
                             bool *fresh)
{
    hs_lock_acquire(&space.lock);
    void *start = NULL;
    if (count == 1 && space.cached > 0) {
        size_t index = space.cache[--space.cached].index;
        HS_ASSERT(is_used(index) && hs_arena_space.segment_kind[index] == SEGMENT_FREE);
        __atomic_store_n(&hs_arena_space.segment_kind[index], (uint8_t)kind, __ATOMIC_RELEASE);
        *fresh = false;
        start = segment_address(index);
    } else {
        size_t index = find_run(count, align_segments ? align_segments : 1);
        if (index != SIZE_MAX && hs_os_commit(segment_address(index), count << SEGMENT_SHIFT)) {
            mark(index, count, true, kind);
            if (index == space.lowest_free)
                space.lowest_free = index + count;
            *fresh = true;
            start = segment_address(index);
        }
    }
    hs_lock_release(&space.lock);
    return start;
}

void hs_arena_give_segments(void *start, size_t count)
{
    size_t index = segment_index(start);
    uint64_t now = hs_os_now_ms();
    hs_lock_acquire(&space.lock);
    HS_ASSERT(index + count <= space.end && is_used(index));
    expire_cache(now, false);
    if (count == 1 && space.cached < CACHE_SEGMENTS) {
        __atomic_store_n(&hs_arena_space.segment_kind[index], SEGMENT_FREE, __ATOMIC_RELEASE);
        space.cache[space.cached].index = index;
        space.cache[space.cached].since_ms = now;
        space.cached++;
    } else {
        hs_os_decommit(start, count << SEGMENT_SHIFT);
        mark(index, count, false, SEGMENT_FREE);
    }
    hs_lock_release(&space.lock);
}

bool hs_arena_extend_segments(void *start, size_t have, size_t count)
{
    size_t first = segment_index(start) + have;
    hs_lock_acquire(&space.lock);
    bool free = first + count <= space.segments;
    for (size_t i = first; free && i < first + count; i++)
        free = !is_used(i);
    free = free && hs_os_commit(segment_address(first), count << SEGMENT_SHIFT);
    if (free)
        mark(first, count, true, SEGMENT_HUGE_TAIL);
    hs_lock_release(&space.lock);
    return free;
}

void *hs_arena_move_segments(void *start, size_t have, size_t count)
{
    size_t old = segment_index(start);
    hs_lock_acquire(&space.lock);
    void *moved = NULL;
    size_t index = find_run(count, 1);
    if (index != SIZE_MAX && hs_os_remap_to(start, have << SEGMENT_SHIFT, count << SEGMENT_SHIFT,
                                            segment_address(index))) {
        /* mremap left a hole where the run was: reserve it again. */
        hs_os_decommit(start, have << SEGMENT_SHIFT);
        mark(index, count, true, SEGMENT_HUGE_HEAD);
        mark(old, have, false, SEGMENT_FREE);
        moved = segment_address(index);
    }
    hs_lock_release(&space.lock);
    return moved;
}

size_t hs_arena_run_segments(const void *start)
{
    size_t first = segment_index(start), i = first + 1;
    while (i < space.end && hs_arena_space.segment_kind[i] == SEGMENT_HUGE_TAIL)
        i++;
    return i - first;
}

/* A segment in use with the kind of a free one: it waits in the cache. */
static bool cached(size_t index)
{
    for (unsigned i = 0; i < space.cached; i++)
        if (space.cache[i].index == index)
            return true;
    return false;
}

void hs_arena_reserve_validate(void)
{
    HS_ASSERT(space.end <= space.segments && space.cached <= CACHE_SEGMENTS);
    const uint8_t *kinds = hs_arena_space.segment_kind;
    size_t idle = 0;
    for (size_t i = 0; i < space.end; i++) {
        HS_ASSERT(kinds[i] <= SEGMENT_HUGE_TAIL);
        HS_ASSERT(is_used(i) || (kinds[i] == SEGMENT_FREE && i >= space.lowest_free));
        HS_ASSERT(kinds[i] != SEGMENT_HUGE_TAIL || (i > 0 && (kinds[i - 1] == SEGMENT_HUGE_HEAD ||
                                                              kinds[i - 1] == SEGMENT_HUGE_TAIL)));
        if (is_used(i) && kinds[i] == SEGMENT_FREE) {
            HS_ASSERT(cached(i));
            idle++;
        }
    }
    HS_ASSERT(idle == space.cached); /* so the cache's entries are distinct */
    for (size_t w = (space.end + 63) / 64; w < (space.segments + 63) / 64; w++)
        HS_ASSERT(space.used[w] == 0);
}

size_t hs_arena_segments_end(void) { return space.end; }

void hs_arena_reserve_trim(void)
{
    hs_lock_acquire(&space.lock);
    expire_cache(0, true);
    hs_lock_release(&space.lock);
}

void hs_arena_reserve_lock(void) { hs_lock_acquire(&space.lock); }

void hs_arena_reserve_unlock(void) { hs_lock_release(&space.lock); }

void hs_arena_reserve_reset(void) { hs_lock_reset(&space.lock); }
