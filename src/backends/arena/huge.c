/* Huge blocks: more than LARGE_MAX bytes, each in a run of whole segments
 * with a small header in front, shared by all threads under one lock. A
 * block that grows takes the free segments after it, or moves with mremap,
 * which moves page tables instead of bytes.
 *
 * Mapping fresh memory costs a system call and a page fault per 4 KiB
 * touched, so freed runs wait in a small cache, bounded in bytes, for a
 * request that fits (the unneeded tail of a bigger run goes back at once)
 * or for one that the biggest run can grow into; a run left there for
 * CACHE_DELAY_MS goes back to the kernel. */
#include <string.h>

#include "backends/arena/arena.h"
#include "services/core/check.h"
#include "services/core/lock.h"
#include "services/core/os.h"

#define CACHE_RUNS 8
#define CACHE_BYTES ((size_t)128 << 20)
#define CACHE_DELAY_MS 1000
#define HEADER_ROOM ((size_t)4096)

_Static_assert(sizeof(struct huge) <= HEADER_ROOM && HEADER_ROOM < SEGMENT_SIZE,
               "the header fits in front of the block");

static struct {
    hs_lock lock;
    struct {
        struct huge *run;
        uint64_t since_ms;
    } cache[CACHE_RUNS];
    unsigned cached;
    size_t cached_bytes;
} huge;

static size_t segments_for(size_t offset, size_t size)
{
    return (offset + size + SEGMENT_SIZE - 1) >> SEGMENT_SHIFT;
}

static char *block_of(struct huge *h) { return (char *)h + h->offset; }

/* Lock held. */
static void uncache(unsigned i)
{
    HS_ASSERT(i < huge.cached && huge.cached_bytes >= huge.cache[i].run->segments << SEGMENT_SHIFT);
    huge.cached_bytes -= huge.cache[i].run->segments << SEGMENT_SHIFT;
    huge.cache[i] = huge.cache[--huge.cached];
}

/* Lock held. */
static void release(unsigned i)
{
    struct huge *h = huge.cache[i].run;
    uncache(i);
    hs_arena_give_segments(h, h->segments);
}

/* Lock held. Returns runs that waited too long (all of them if now is 0). */
static void expire(uint64_t now)
{
    for (unsigned i = 0; i < huge.cached;) {
        if (now == 0 || now - huge.cache[i].since_ms >= CACHE_DELAY_MS)
            release(i);
        else
            i++;
    }
}

/* Lock held. */
static void release_oldest(void)
{
    HS_ASSERT(huge.cached > 0);
    unsigned oldest = 0;
    for (unsigned i = 1; i < huge.cached; i++)
        if (huge.cache[i].since_ms < huge.cache[oldest].since_ms)
            oldest = i;
    release(oldest);
}

/* Lock held. No cached run is big enough: the biggest grows in place or
 * moves with mremap, so its pages, resident already, are used again and
 * only the rest is new. */
static struct huge *grow_largest(size_t segments)
{
    if (huge.cached == 0)
        return NULL;
    unsigned largest = 0;
    for (unsigned i = 1; i < huge.cached; i++)
        if (huge.cache[i].run->segments > huge.cache[largest].run->segments)
            largest = i;
    struct huge *h = huge.cache[largest].run;
    uncache(largest);
    if (hs_arena_extend_segments(h, h->segments, segments - h->segments)) {
        h->segments = segments;
        return h;
    }
    struct huge *moved = hs_arena_move_segments(h, h->segments, segments);
    if (!moved) {
        hs_arena_give_segments(h, h->segments);
        return NULL;
    }
    moved->segments = segments;
    return moved;
}

/* Lock held. The smallest cached run of at least `segments`, cut down to
 * that many; or the biggest, grown. */
static struct huge *take_cached(size_t segments, size_t align_segments)
{
    unsigned best = CACHE_RUNS;
    for (unsigned i = 0; i < huge.cached; i++) {
        struct huge *h = huge.cache[i].run;
        if (h->segments >= segments && (uintptr_t)h % (align_segments << SEGMENT_SHIFT) == 0 &&
            (best == CACHE_RUNS || h->segments < huge.cache[best].run->segments))
            best = i;
    }
    if (best != CACHE_RUNS) {
        struct huge *h = huge.cache[best].run;
        uncache(best);
        if (h->segments > segments) {
            hs_arena_give_segments((char *)h + (segments << SEGMENT_SHIFT), h->segments - segments);
            h->segments = segments;
        }
        return h;
    }
    return align_segments == 1 ? grow_largest(segments) : NULL;
}

void *hs_arena_huge_alloc(size_t size, size_t align, bool zero)
{
    size_t offset = align > HEADER_ROOM ? align : HEADER_ROOM;
    size_t align_segments = align > SEGMENT_SIZE ? align >> SEGMENT_SHIFT : 1;
    size_t segments = segments_for(offset, size);
    hs_lock_acquire(&huge.lock);
    expire(hs_os_now_ms());
    struct huge *h = take_cached(segments, align_segments);
    hs_lock_release(&huge.lock);
    bool fresh = false;
    if (!h)
        h = hs_arena_take_segments(segments, align_segments, SEGMENT_HUGE_HEAD, &fresh);
    if (!h)
        return NULL;
    *h = (struct huge){.requested = size, .segments = segments, .offset = offset};
    if (zero && !fresh)
        memset(block_of(h), 0, size);
    return block_of(h);
}

void hs_arena_huge_free(void *ptr)
{
    struct huge *h = hs_arena_huge_of((uintptr_t)ptr);
    HS_ASSERT(h && !h->freed && h->segments >= 1);
    size_t bytes = h->segments << SEGMENT_SHIFT;
    uint64_t now = hs_os_now_ms();
    hs_lock_acquire(&huge.lock);
    expire(now);
    if (bytes <= CACHE_BYTES) {
        while (huge.cached == CACHE_RUNS || huge.cached_bytes + bytes > CACHE_BYTES)
            release_oldest();
        h->freed = true;
        huge.cache[huge.cached].run = h;
        huge.cache[huge.cached].since_ms = now;
        huge.cached++;
        huge.cached_bytes += bytes;
        h = NULL;
    }
    hs_lock_release(&huge.lock);
    if (h)
        hs_arena_give_segments(h, h->segments);
}

char *hs_arena_huge_block(struct huge *h) { return block_of(h); }

struct huge *hs_arena_huge_of(uintptr_t ptr)
{
    uintptr_t offset = ptr - hs_arena_space.base;
    if (offset >= hs_arena_space.size)
        return NULL;
    size_t index = offset >> SEGMENT_SHIFT;
    uint8_t kind;
    while ((kind = __atomic_load_n(&hs_arena_space.segment_kind[index], __ATOMIC_ACQUIRE)) ==
               SEGMENT_HUGE_TAIL &&
           index > 0)
        index--;
    if (kind != SEGMENT_HUGE_HEAD)
        return NULL;
    struct huge *h = (struct huge *)(hs_arena_space.base + (index << SEGMENT_SHIFT));
    return (uintptr_t)block_of(h) == ptr ? h : NULL;
}

size_t hs_arena_huge_usable(const struct huge *h)
{
    return (h->segments << SEGMENT_SHIFT) - h->offset;
}

bool hs_arena_huge_resize(struct huge *h, size_t size)
{
    size_t segments = segments_for(h->offset, size);
    if (segments > h->segments) {
        if (!hs_arena_extend_segments(h, h->segments, segments - h->segments))
            return false;
        h->segments = segments;
    } else if (segments < h->segments) {
        hs_arena_give_segments((char *)h + (segments << SEGMENT_SHIFT), h->segments - segments);
        h->segments = segments;
    }
    h->requested = size;
    HS_ASSERT(h->offset + size <= h->segments << SEGMENT_SHIFT);
    return true;
}

void *hs_arena_huge_remap(struct huge *h, size_t size)
{
    size_t segments = segments_for(h->offset, size);
    struct huge *moved = hs_arena_move_segments(h, h->segments, segments);
    if (!moved)
        return NULL;
    moved->segments = segments;
    moved->requested = size;
    return block_of(moved);
}

void hs_arena_huge_validate(void)
{
    HS_ASSERT(huge.cached <= CACHE_RUNS);
    size_t bytes = 0;
    for (unsigned i = 0; i < huge.cached; i++) {
        const struct huge *h = huge.cache[i].run;
        HS_ASSERT(h->freed && h->segments == hs_arena_run_segments(h));
        HS_ASSERT(h->offset >= HEADER_ROOM && h->offset < h->segments << SEGMENT_SHIFT);
        for (unsigned j = 0; j < i; j++)
            HS_ASSERT(huge.cache[j].run != h);
        bytes += h->segments << SEGMENT_SHIFT;
    }
    HS_ASSERT(bytes == huge.cached_bytes && bytes <= CACHE_BYTES);
}

void hs_arena_huge_trim(void)
{
    hs_lock_acquire(&huge.lock);
    expire(0);
    hs_lock_release(&huge.lock);
}

void hs_arena_huge_lock(void) { hs_lock_acquire(&huge.lock); }

void hs_arena_huge_unlock(void) { hs_lock_release(&huge.lock); }

void hs_arena_huge_reset(void) { hs_lock_reset(&huge.lock); }
