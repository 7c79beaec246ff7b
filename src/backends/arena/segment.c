/* Segments: a heap's runs of slices. A segment's free and dirty slices are
 * two 64-bit masks, so finding a run is a few shifts and a count of trailing
 * zeros. Only the owning thread touches them.
 *
 * Freed slices stay resident ("dirty") for a while, since a page freed is
 * often needed again soon; once a heap has held dirty slices for
 * PURGE_DELAY_MS they go back to the kernel with madvise. A segment whose
 * slices are all free goes back to the reservation, unless it is the heap's
 * last. */
#include "backends/arena/arena.h"
#include "services/core/check.h"
#include "services/core/os.h"

#define PURGE_DELAY_MS 1000
/* Every slice but the first, which holds the header. */
#define ALL_SLICES (~(uint64_t)1)

/* Bit i set: slices i .. i+count-1 are all set in mask. */
static uint64_t run_starts(uint64_t mask, unsigned count)
{
    uint64_t starts = mask;
    for (unsigned k = 1; k < count && starts; k++)
        starts &= mask >> k;
    return starts;
}

static uint64_t aligned_positions(unsigned align)
{
    uint64_t positions = 0;
    for (unsigned i = 0; i < SLICES_PER_SEGMENT; i += align)
        positions |= (uint64_t)1 << i;
    return positions;
}

static uint64_t run_mask(unsigned first, unsigned count)
{
    uint64_t ones = count == 64 ? ~(uint64_t)0 : ((uint64_t)1 << count) - 1;
    return ones << first;
}

static struct segment *new_segment(struct heap *heap)
{
    bool fresh;
    struct segment *segment = hs_arena_take_segments(1, 1, SEGMENT_HEAP, &fresh);
    if (!segment)
        return NULL;
    segment->heap = heap;
    segment->free_slices = ALL_SLICES;
    /* A cached segment may still hold its old contents. */
    segment->dirty_slices = fresh ? 0 : ALL_SLICES;
    if (!fresh)
        heap->dirty_slices += SLICES_PER_SEGMENT - 1;
    for (unsigned i = 0; i < SLICES_PER_SEGMENT; i++) {
        segment->pages[i] = (struct page){.kind = PAGE_FREE};
        segment->grid[i] = (struct slice_grid){0};
    }
    segment->prev = NULL;
    segment->next = heap->segments;
    if (heap->segments)
        heap->segments->prev = segment;
    heap->segments = segment;
    return segment;
}

static void drop_segment(struct heap *heap, struct segment *segment)
{
    if (segment->prev)
        segment->prev->next = segment->next;
    else
        heap->segments = segment->next;
    if (segment->next)
        segment->next->prev = segment->prev;
    size_t dirty = (size_t)__builtin_popcountll(segment->dirty_slices);
    HS_ASSERT(heap->dirty_slices >= dirty);
    heap->dirty_slices -= dirty;
    hs_arena_give_segments(segment, 1);
}

/* The slices first .. first+count-1 hold no page. */
static bool no_pages(const struct segment *segment, unsigned first, unsigned count)
{
    for (unsigned i = first; i < first + count; i++)
        if (segment->pages[i].kind != PAGE_FREE || segment->grid[i].size_class_1 != 0)
            return false;
    return true;
}

static struct page *claim(struct heap *heap, struct segment *segment, unsigned first,
                          unsigned count, bool *fresh)
{
    uint64_t run = run_mask(first, count);
    HS_ASSERT((segment->free_slices & run) == run);
    HS_ASSERT_EXPENSIVE(no_pages(segment, first, count));
    segment->free_slices &= ~run;
    *fresh = (segment->dirty_slices & run) == 0;
    heap->dirty_slices -= (size_t)__builtin_popcountll(segment->dirty_slices & run);
    segment->dirty_slices &= ~run;
    for (unsigned i = 1; i < count; i++)
        segment->pages[first + i] = (struct page){.head_offset = (uint8_t)i};
    struct page *page = &segment->pages[first];
    *page = (struct page){
        .start = (char *)segment + ((size_t)first << SLICE_SHIFT),
        .slices = (uint8_t)count,
    };
    return page;
}

struct page *hs_arena_take_slices(struct heap *heap, unsigned slices, unsigned align_slices,
                                  bool *fresh)
{
    HS_ASSERT(slices >= 1 && slices < SLICES_PER_SEGMENT && align_slices >= 1);
    uint64_t positions = aligned_positions(align_slices);
    hs_arena_purge(heap, false);
    for (struct segment *s = heap->segments; s; s = s->next) {
        uint64_t starts = run_starts(s->free_slices, slices) & positions;
        if (starts)
            return claim(heap, s, (unsigned)__builtin_ctzll(starts), slices, fresh);
    }
    struct segment *s = new_segment(heap);
    if (!s)
        return NULL;
    uint64_t starts = run_starts(s->free_slices, slices) & positions;
    if (!starts)
        return NULL; /* an alignment no segment offers: the caller goes huge */
    return claim(heap, s, (unsigned)__builtin_ctzll(starts), slices, fresh);
}

void hs_arena_give_slices(struct heap *heap, struct page *page)
{
    struct segment *segment = (struct segment *)((uintptr_t)page & ~(SEGMENT_SIZE - 1));
    unsigned first = (unsigned)(page - segment->pages);
    unsigned slices = page->slices; /* the loop clears the page */
    HS_ASSERT(first >= 1 && slices >= 1 && first + slices <= SLICES_PER_SEGMENT);
    uint64_t run = run_mask(first, slices);
    HS_ASSERT((segment->free_slices & run) == 0); /* not given back twice */
    for (unsigned i = 0; i < slices; i++) {
        segment->pages[first + i] = (struct page){.kind = PAGE_FREE};
        segment->grid[first + i] = (struct slice_grid){0};
    }
    if (heap->dirty_slices == 0)
        heap->purge_at_ms = hs_os_now_ms() + PURGE_DELAY_MS;
    segment->free_slices |= run;
    segment->dirty_slices |= run;
    heap->dirty_slices += (size_t)__builtin_popcountll(run);
    if (segment->free_slices == ALL_SLICES && (segment->prev || segment->next))
        drop_segment(heap, segment);
    else
        hs_arena_purge(heap, false);
}

bool hs_arena_grow_slices(struct heap *heap, struct page *page, unsigned slices)
{
    struct segment *segment = (struct segment *)((uintptr_t)page & ~(SEGMENT_SIZE - 1));
    unsigned first = (unsigned)(page - segment->pages);
    HS_ASSERT(slices > page->slices);
    if (first + slices > SLICES_PER_SEGMENT)
        return false;
    uint64_t more = run_mask(first + page->slices, slices - page->slices);
    if ((segment->free_slices & more) != more)
        return false;
    segment->free_slices &= ~more;
    heap->dirty_slices -= (size_t)__builtin_popcountll(segment->dirty_slices & more);
    segment->dirty_slices &= ~more;
    for (unsigned i = page->slices; i < slices; i++)
        segment->pages[first + i] = (struct page){.head_offset = (uint8_t)i};
    page->slices = (uint8_t)slices;
    return true;
}

void hs_arena_purge(struct heap *heap, bool now)
{
    if (heap->dirty_slices == 0 || (!now && hs_os_now_ms() < heap->purge_at_ms))
        return;
    for (struct segment *s = heap->segments; s; s = s->next) {
        uint64_t dirty = s->dirty_slices;
        while (dirty) {
            unsigned first = (unsigned)__builtin_ctzll(dirty);
            uint64_t clean_above = ~(dirty >> first);
            unsigned count =
                clean_above ? (unsigned)__builtin_ctzll(clean_above) : SLICES_PER_SEGMENT - first;
            hs_os_discard((char *)s + ((size_t)first << SLICE_SHIFT), (size_t)count << SLICE_SHIFT);
            dirty &= ~run_mask(first, count);
        }
        s->dirty_slices = 0;
    }
    heap->dirty_slices = 0;
}
