/* Small pages: the slow paths of small blocks. A page's blocks are carved
 * from its bump area a few KiB at a time, so memory is touched only as it
 * is used. A page leaves its class list when it has no room left and comes
 * back at the first free; a page left with no live block goes back to its
 * segment unless it is the only page of its class, which saves a program
 * that allocates and frees one block in a loop from taking and giving a page
 * every time. */
#include "backends/arena/alloc_inline.h"
#include "services/core/check.h"

/* Bytes of blocks carved at a time. */
#define CARVE_BYTES 4096
/* Bytes of other heaps' blocks a stash may hold, per class; at least
 * STASH_MIN_BLOCKS blocks. */
#define STASH_BYTES ((size_t)32 << 10)
#define STASH_MIN_BLOCKS 4
_Static_assert(STASH_BYTES / 16 <= UINT16_MAX, "a stash's count fits heap->stashed");
_Static_assert(CARVE_BYTES <= SLICE_SIZE, "a carve stays in a page");

static void list_push(struct heap *heap, struct page *page)
{
    struct page *head = heap->pages[page->size_class];
    page->prev = NULL;
    page->next = head == &hs_arena_empty_page ? NULL : head;
    if (page->next)
        page->next->prev = page;
    heap->pages[page->size_class] = page;
    page->listed = true;
}

static void list_unlink(struct heap *heap, struct page *page)
{
    if (page->prev)
        page->prev->next = page->next;
    else
        heap->pages[page->size_class] = page->next ? page->next : &hs_arena_empty_page;
    if (page->next)
        page->next->prev = page->prev;
    page->listed = false;
}

static unsigned page_slices(size_t block_size)
{
    size_t bytes = block_size * PAGE_MIN_BLOCKS;
    size_t slices = (bytes + SLICE_SIZE - 1) / SLICE_SIZE;
    return slices < 1 ? 1 : (unsigned)slices;
}

static struct page *new_page(struct heap *heap, unsigned size_class)
{
    size_t block_size = hs_class_size(size_class);
    bool fresh;
    struct page *page = hs_arena_take_slices(heap, page_slices(block_size), 1, &fresh);
    if (!page)
        return NULL;
    size_t blocks = ((size_t)page->slices << SLICE_SHIFT) / block_size;
    page->kind = PAGE_SMALL;
    page->size_class = (uint8_t)size_class;
    page->block_size = (uint32_t)block_size;
    page->divisor_test = UINT64_MAX / block_size + 1;
    page->end = page->start;
    page->limit = page->start + blocks * block_size;
    struct segment *segment = (struct segment *)((uintptr_t)page->start & ~(SEGMENT_SIZE - 1));
    unsigned first = (unsigned)((uintptr_t)page->start >> SLICE_SHIFT) & (SLICES_PER_SEGMENT - 1);
    for (unsigned i = 0; i < page->slices; i++)
        segment->grid[first + i] = (struct slice_grid){.size_class_1 = (uint8_t)(size_class + 1),
                                                       .head_offset = (uint8_t)i,
                                                       .blocks = (uint16_t)blocks};
    list_push(heap, page);
    return page;
}

/* Threads the next stretch of the bump area onto the free list. */
static void carve(struct page *page)
{
    size_t size = page->block_size;
    size_t count = CARVE_BYTES / size;
    if (count == 0)
        count = 1;
    size_t room = (size_t)(page->limit - page->end) / size;
    HS_ASSERT(room >= 1);
    if (count > room)
        count = room;
    struct block *first = (struct block *)page->end;
    struct block *b = first;
    for (size_t i = 1; i < count; i++) {
        struct block *next = (struct block *)((char *)b + size);
        b->tag = freed_tag(b);
        set_link(b, next);
        b = next;
    }
    b->tag = freed_tag(b);
    set_link(b, page->free);
    page->free = first;
    page->end += count * size;
}

/* Takes back the blocks other threads freed into this heap. The list is
 * checked as the local ones are: a block without its freed tag, or a link
 * to anything but such a block, ends it. */
static void take_remote(struct heap *heap)
{
    struct block *b = __atomic_exchange_n(&heap->remote_free, NULL, __ATOMIC_ACQUIRE);
    while (b) {
        uintptr_t next = link_of(b);
        struct segment *segment = segment_of((uintptr_t)b);
        HS_ASSERT(segment && segment->heap == heap);
        if (b->tag != freed_tag(b)) {
            hs_arena_report_damage(b);
            return;
        }
        if (!remote_link(heap, next)) {
            hs_arena_report_damage(b);
            next = 0;
        }
        hs_arena_free_local(heap, page_of(segment, (uintptr_t)b), b);
        b = (struct block *)next;
    }
}

/* The first block of the page, b, can be taken: it is free, and its link,
 * next, is NULL or leads to a block the page's list may hold. */
static bool sound_head(const struct page *page, const struct block *b, uintptr_t next)
{
    return (!next || list_may_hold(page, next)) && b->tag == freed_tag(b);
}

struct block *hs_arena_pop_checked(struct page *page)
{
    struct block *b = page->free;
    uintptr_t next = link_of(b);
    if (!sound_head(page, b, next)) {
        hs_arena_report_damage(b);
        if (b->tag != freed_tag(b)) {
            page->free = NULL; /* b may be a live block, reached by a forged link */
            return NULL;
        }
        next = 0;
    }
    page->free = (struct block *)next;
    page->used++;
    b->tag = 0;
    return b;
}

void *hs_arena_small_slow(struct heap *heap, unsigned size_class)
{
    HS_ASSERT(size_class < HS_CLASS_COUNT);
    if (heap == &hs_arena_empty_heap && !(heap = hs_arena_attach()))
        return NULL;
    for (;;) {
        struct page *page = heap->pages[size_class];
        if (page->free) {
            struct block *b = pop_block(page);
            if (b)
                return b;
            continue; /* the list was damaged and dropped */
        }
        if (page == &heap->stash[size_class]) {
            heap->stashed[size_class] = 0;
            list_unlink(heap, page); /* empty */
            continue;
        }
        if (page != &hs_arena_empty_page) {
            if (page->end < page->limit) {
                carve(page);
                continue;
            }
            list_unlink(heap, page); /* full */
            continue;
        }
        if (__atomic_load_n(&heap->remote_free, __ATOMIC_RELAXED)) {
            take_remote(heap);
            if (heap->pages[size_class] != &hs_arena_empty_page)
                continue;
        }
        if (!new_page(heap, size_class))
            return NULL;
    }
}

bool hs_arena_stash(struct heap *heap, unsigned size_class, struct block *block)
{
    HS_ASSERT(size_class < HS_CLASS_COUNT);
    size_t size = hs_class_size(size_class);
    size_t limit = STASH_BYTES / size < STASH_MIN_BLOCKS ? STASH_MIN_BLOCKS : STASH_BYTES / size;
    if (heap == &hs_arena_empty_heap || heap->stashed[size_class] >= limit)
        return false;
    struct page *stash = &heap->stash[size_class];
    push_block(stash, block);
    heap->stashed[size_class]++;
    if (!stash->listed)
        list_push(heap, stash);
    return true;
}

void hs_arena_page_changed(struct heap *heap, struct page *page)
{
    HS_ASSERT(page->kind == PAGE_SMALL);
    if (!page->listed)
        list_push(heap, page);
    if (page->used == 0 && (page->prev || page->next)) {
        list_unlink(heap, page);
        hs_arena_give_slices(heap, page);
    }
}

void hs_arena_free_local(struct heap *heap, struct page *page, struct block *block)
{
    if (page->kind == PAGE_LARGE) {
        hs_arena_give_slices(heap, page);
        return;
    }
    HS_ASSERT(page->kind == PAGE_SMALL && page->used > 0);
    push_block(page, block);
    if (--page->used == 0 || !page->listed)
        hs_arena_page_changed(heap, page);
}
