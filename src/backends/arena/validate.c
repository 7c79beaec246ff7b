/* The arena's expensive check (backend.h's validate): a walk of what the
 * arena keeps, against the invariants arena.h states, failing with
 * HS_ASSERT at the first one broken.
 *
 * The caller holds the heap frozen: the heaps', the huge blocks' and the
 * reservation's locks. That holds still what those locks guard (the
 * segment map, the huge cache, the list of abandoned heaps) but not a heap
 * that another running thread owns, which changes without any lock; so the
 * walk covers the calling thread's own heap and the abandoned ones, which
 * once a program's threads are joined are all of them. A block that
 * another thread frees meanwhile joins a remote list at its head, and the
 * walk starts from the head it read. */
#include "backend.h"
#include "backends/arena/alloc_inline.h"
#include "services/core/check.h"

bool hs_arena_damage_reported;

/* The length of the page's free list, at most bound: each block on it free
 * (its tag) and one the list may hold (arena.h). SIZE_MAX if a tag or link
 * is damaged, or the list runs past bound: a freed block is memory the
 * program can still write, so that is the program's error, reported by the
 * allocation that meets it, not a broken invariant of the shim's. */
static size_t free_list_length(const struct page *page, size_t bound)
{
    size_t length = 0;
    for (const struct block *b = page->free; b; b = (const struct block *)link_of(b)) {
        if (++length > bound || !list_may_hold(page, (uintptr_t)b) || b->tag != freed_tag(b))
            return SIZE_MAX;
    }
    return length;
}

static void check_small_page(const struct segment *segment, unsigned first, const struct page *page)
{
    HS_ASSERT(page->size_class < HS_CLASS_COUNT);
    size_t size = page->block_size;
    HS_ASSERT(size == hs_class_size(page->size_class));
    HS_ASSERT(page->divisor_test == UINT64_MAX / size + 1);
    HS_ASSERT(page->start <= page->end && page->end <= page->limit &&
              page->limit <= page->start + ((size_t)page->slices << SLICE_SHIFT));
    size_t blocks = (size_t)(page->limit - page->start) / size;
    size_t carved = (size_t)(page->end - page->start) / size;
    HS_ASSERT(blocks * size == (size_t)(page->limit - page->start) &&
              carved * size == (size_t)(page->end - page->start) && blocks >= PAGE_MIN_BLOCKS);
    /* Blocks taken from a damaged list and dropped are in neither count. */
    size_t listed = free_list_length(page, carved);
    size_t accounted = page->used + listed;
    HS_ASSERT(listed == SIZE_MAX || accounted == carved ||
              (hs_arena_damage_reported && accounted < carved));
    for (unsigned i = 0; i < page->slices; i++) {
        struct slice_grid grid = segment->grid[first + i];
        HS_ASSERT(grid.size_class_1 == page->size_class + 1 && grid.head_offset == i &&
                  grid.blocks == blocks);
    }
}

static void check_large_page(const struct segment *segment, unsigned first, const struct page *page)
{
    HS_ASSERT(page->end == page->start && page->used == 1 && !page->free && !page->listed);
    HS_ASSERT(page->large_size <= (size_t)page->slices << SLICE_SHIFT);
    for (unsigned i = 0; i < page->slices; i++)
        HS_ASSERT(segment->grid[first + i].size_class_1 == 0);
}

/* The page whose first slice is `first`; returns its slices. */
static unsigned check_page(const struct segment *segment, unsigned first, size_t *listed)
{
    const struct page *page = &segment->pages[first];
    HS_ASSERT(page->head_offset == 0 && page->slices >= 1 &&
              first + page->slices <= SLICES_PER_SEGMENT);
    HS_ASSERT(page->start == (const char *)segment + ((size_t)first << SLICE_SHIFT));
    for (unsigned i = 1; i < page->slices; i++)
        HS_ASSERT(segment->pages[first + i].head_offset == i &&
                  !(segment->free_slices >> (first + i) & 1));
    HS_ASSERT(page->kind == PAGE_SMALL || page->kind == PAGE_LARGE);
    if (page->kind == PAGE_SMALL)
        check_small_page(segment, first, page);
    else
        check_large_page(segment, first, page);
    *listed += page->listed;
    return page->slices;
}

/* Returns how many of the segment's pages are on their class lists. */
static size_t check_segment(const struct heap *heap, const struct segment *segment)
{
    HS_ASSERT(segment->heap == heap && segment_of((uintptr_t)segment) == segment);
    HS_ASSERT(!(segment->free_slices & 1)); /* slice 0 holds the header */
    HS_ASSERT(!(segment->dirty_slices & ~segment->free_slices));
    size_t listed = 0;
    for (unsigned i = 1; i < SLICES_PER_SEGMENT;) {
        if (segment->free_slices >> i & 1) {
            const struct slice_grid *grid = &segment->grid[i];
            HS_ASSERT(segment->pages[i].kind == PAGE_FREE && segment->pages[i].head_offset == 0 &&
                      grid->size_class_1 == 0 && grid->head_offset == 0 && grid->blocks == 0);
            i++;
        } else {
            i += check_page(segment, i, &listed);
        }
    }
    return listed;
}

/* Each class list: linked both ways, of pages of its class that say they
 * are listed, the heap's own or its stash. Returns the pages on them. */
static size_t check_class_lists(const struct heap *heap, size_t bound)
{
    size_t listed = 0;
    for (unsigned c = 0; c < HS_CLASS_COUNT; c++) {
        const struct page *prev = NULL;
        const struct page *p = heap->pages[c] == &hs_arena_empty_page ? NULL : heap->pages[c];
        for (; p; prev = p, p = p->next) {
            HS_ASSERT(++listed <= bound);
            HS_ASSERT(p->listed && p->size_class == c && p->prev == prev);
            if (p != &heap->stash[c]) {
                const struct segment *segment = segment_of((uintptr_t)p->start);
                HS_ASSERT(segment && segment->heap == heap && p->kind == PAGE_SMALL);
            }
        }
    }
    return listed;
}

/* The stashes: blocks of other heaps' pages of the class, no more than
 * were pushed since the stash was last empty; listed while it holds any. */
static size_t check_stashes(const struct heap *heap)
{
    size_t listed = 0;
    for (unsigned c = 0; c < HS_CLASS_COUNT; c++) {
        const struct page *stash = &heap->stash[c];
        HS_ASSERT(stash->size_class == c && stash->block_size == hs_class_size(c) &&
                  stash->start == NULL && (stash->listed || !stash->free));
        free_list_length(stash, heap->stashed[c]);
        listed += stash->listed;
    }
    return listed;
}

/* The blocks other threads freed into the heap, at most bound of them. A
 * damaged tag or link ends the walk: the program's error, as for a page's
 * free list. */
static void check_remote_list(const struct heap *heap, size_t bound)
{
    size_t length = 0;
    const struct block *b = __atomic_load_n(&heap->remote_free, __ATOMIC_ACQUIRE);
    for (; b; b = (const struct block *)link_of(b)) {
        if (++length > bound || !remote_link(heap, (uintptr_t)b) || b->tag != freed_tag(b))
            return;
    }
}

static void check_heap(const struct heap *heap)
{
    size_t segments = 0, pages_listed = 0, dirty = 0;
    const struct segment *prev = NULL;
    for (const struct segment *s = heap->segments; s; prev = s, s = s->next) {
        HS_ASSERT(++segments <= hs_arena_segments_end() && s->prev == prev);
        pages_listed += check_segment(heap, s);
        dirty += (size_t)__builtin_popcountll(s->dirty_slices);
    }
    HS_ASSERT(dirty == heap->dirty_slices);
    size_t stashes_listed = check_stashes(heap);
    HS_ASSERT(check_class_lists(heap, pages_listed + stashes_listed) ==
              pages_listed + stashes_listed);
    /* A segment holds fewer blocks than its bytes over the smallest class. */
    check_remote_list(heap, segments * (SEGMENT_SIZE / HS_MIN_ALIGN));
}

/* The empty page and heap are shared by every thread, and never written. */
static void check_empty(void)
{
    const struct page *page = &hs_arena_empty_page;
    HS_ASSERT(!page->free && !page->listed && !page->next && !page->prev);
    HS_ASSERT(!hs_arena_empty_heap.segments && !hs_arena_empty_heap.remote_free);
    for (unsigned c = 0; c < HS_CLASS_COUNT; c++)
        HS_ASSERT(hs_arena_empty_heap.pages[c] == page);
}

void hs_arena_validate(void)
{
    check_empty();
    hs_arena_reserve_validate();
    hs_arena_huge_validate();
    hs_arena_for_each_quiet_heap(check_heap);
}
