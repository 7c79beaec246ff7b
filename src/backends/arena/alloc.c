/* The arena backend's operations. The fast paths (a small malloc from the
 * thread's own page, a free of a small block of its own heap) take no lock
 * and no atomic operation; everything else is out of line. */
#include <string.h>

#include "backends/arena/alloc_inline.h"
#include "config.h"
#include "services/core/check.h"
#include "services/core/thread.h"
#include "services/report/errors.h"

/* A free block's tag and link fit the smallest block. */
_Static_assert(sizeof(struct block) <= HS_MIN_ALIGN, "a free block's two words fit a block");

static void *alloc_aligned_small(size_t size, size_t align)
{
    size_t rounded = (size + align - 1) & ~(align - 1);
    if (rounded > HS_CLASS_MAX_SIZE)
        return NULL;
    unsigned c = hs_size_class(rounded ? rounded : align);
    while (c < HS_CLASS_COUNT && hs_class_size(c) % align != 0)
        c++;
    if (c == HS_CLASS_COUNT)
        return NULL;
    struct heap *heap = hs_arena_heap;
    struct page *page = heap->pages[c];
    struct block *b = pop_block(page);
    return b ? b : hs_arena_small_slow(heap, c);
}

static void *alloc_large(size_t size, size_t align, bool zero)
{
    struct heap *heap = hs_arena_heap;
    if (heap == &hs_arena_empty_heap && !(heap = hs_arena_attach()))
        return NULL;
    unsigned slices = (unsigned)((size + SLICE_SIZE - 1) >> SLICE_SHIFT);
    unsigned align_slices = align > SLICE_SIZE ? (unsigned)(align >> SLICE_SHIFT) : 1;
    bool fresh;
    struct page *page = hs_arena_take_slices(heap, slices ? slices : 1, align_slices, &fresh);
    if (!page)
        return NULL;
    page->kind = PAGE_LARGE;
    page->end = page->start; /* no small block lives here */
    page->large_size = size;
    page->used = 1;
    if (zero && !fresh)
        memset(page->start, 0, size);
    else if (!fresh)
        ((struct block *)page->start)->tag = 0; /* a freed tag left from before */
    return page->start;
}

/* Everything but a small block of the minimum alignment, not zeroed:
 * alignment, large and huge blocks, calloc. */
__attribute__((noinline)) static void *alloc_slow(size_t size, size_t align, bool zero)
{
    void *p = NULL;
    if (size <= HS_CLASS_MAX_SIZE && align <= SLICE_SIZE)
        p = alloc_aligned_small(size, align);
    if (p) {
        if (zero)
            memset(p, 0, size);
        return p;
    }
    if (size <= LARGE_MAX && align <= LARGE_MAX)
        return alloc_large(size, align, zero);
    return hs_arena_huge_alloc(size, align, zero);
}

/* A small block that the quick pop from the class's first page did not
 * give: that list is empty, ends, is a stash, or is damaged. */
__attribute__((noinline)) static void *alloc_small_miss(struct page *page, unsigned size_class)
{
    struct block *b = page->free ? hs_arena_pop_checked(page) : NULL;
    return b ? b : hs_arena_small_slow(hs_arena_heap, size_class);
}

static void *arena_alloc(size_t size, size_t align, enum hs_alloc_kind kind, bool zero)
{
    (void)kind;
    if (__builtin_expect(size <= HS_CLASS_MAX_SIZE && align == HS_MIN_ALIGN && !zero, 1)) {
        unsigned c = hs_size_class(size);
        struct page *page = hs_arena_heap->pages[c];
        struct block *b = try_pop(page);
        if (__builtin_expect(b != NULL, 1))
            return b;
        return alloc_small_miss(page, c);
    }
    return alloc_slow(size, align, zero);
}

/* The block holding addr, live or freed, for an error report. */
static bool block_around(uintptr_t addr, struct hs_block *out, bool *freed)
{
    uintptr_t start = 0;
    size_t size = 0;
    struct segment *segment = segment_of(addr);
    struct huge *huge = segment ? NULL : hs_arena_huge_of(addr);
    if (segment) {
        const struct page *page = page_of(segment, addr);
        if (page->kind == PAGE_SMALL && addr < (uintptr_t)page->end) {
            size = page->block_size;
            start = addr - (addr - (uintptr_t)page->start) % size;
            *freed = ((const struct block *)start)->tag == freed_tag((void *)start);
        } else if (page->kind == PAGE_LARGE) {
            start = (uintptr_t)page->start;
            size = page->large_size;
            *freed = !live_large_block(page, start);
        }
    } else if (huge) {
        start = addr;
        size = huge->requested;
        *freed = huge->freed;
    }
    *out = (struct hs_block){
        .address = start, .size = size, .extent_start = start, .extent_end = start + size};
    return size != 0;
}

static void report_pointer(void *ptr, const char *call, bool is_free)
{
    struct hs_error e = {
        .kind = is_free ? HS_ERR_INVALID_FREE : HS_ERR_INVALID_REALLOC,
        .address = (uintptr_t)ptr,
        .call = call,
        .thread = hs_thread_number(),
    };
    e.has_block = block_around(e.address, &e.block, &e.block_freed);
    if (is_free && e.has_block && e.block_freed && e.block.address == e.address)
        e.kind = HS_ERR_DOUBLE_FREE;
    hs_heap_error(&e);
}

static void free_remote(struct segment *segment, struct block *b)
{
    struct heap *owner = segment->heap;
    HS_ASSERT(owner && owner != &hs_arena_empty_heap);
    b->tag = freed_tag(b);
    struct block *head = __atomic_load_n(&owner->remote_free, __ATOMIC_RELAXED);
    do
        set_link(b, head);
    while (!__atomic_compare_exchange_n(&owner->remote_free, &head, b, true, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED));
}

/* Everything but a small block of the thread's own heap. */
__attribute__((noinline)) static void free_slow(void *ptr)
{
    uintptr_t addr = (uintptr_t)ptr;
    struct segment *segment = segment_of(addr);
    if (segment) {
        struct page *page = page_of(segment, addr);
        struct block *b = live_small_block(page, addr);
        if (!b)
            b = live_large_block(page, addr);
        if (!b)
            report_pointer(ptr, "free", true);
        else if (segment->heap == hs_arena_heap)
            hs_arena_free_local(segment->heap, page, b);
        else if (page->kind != PAGE_SMALL || !hs_arena_stash(hs_arena_heap, page->size_class, b))
            free_remote(segment, b);
        return;
    }
    struct huge *huge = hs_arena_huge_of(addr);
    if (huge && !huge->freed)
        hs_arena_huge_free(ptr);
    else
        report_pointer(ptr, "free", true);
}

static void arena_free(void *ptr, enum hs_alloc_kind kind)
{
    (void)kind;
    uintptr_t addr = (uintptr_t)ptr;
    struct segment *segment = segment_of(addr);
    if (__builtin_expect(segment != NULL, 1)) {
        struct page *page = page_of(segment, addr);
        struct heap *heap = hs_arena_heap;
        if (__builtin_expect(segment->heap == heap && live_small_block(page, addr), 1)) {
            push_block(page, ptr);
            if (__builtin_expect(--page->used == 0 || !page->listed, 0) &&
                (!page->listed || page->prev || page->next)) /* the sole page stays */
                hs_arena_page_changed(heap, page);
            return;
        }
    }
    free_slow(ptr);
}

/* HEAPSHIM_ARENA_FREE=0: a small block is marked freed, so the report and a
 * second free see it, and its memory is never reused. */
static void arena_free_batch(void *ptr, enum hs_alloc_kind kind)
{
    (void)kind;
    uintptr_t addr = (uintptr_t)ptr;
    struct segment *segment = segment_of(addr);
    struct block *b = segment ? live_small_block(page_of(segment, addr), addr) : NULL;
    if (b)
        b->tag = freed_tag(b);
    else
        free_slow(ptr);
}

static size_t arena_usable_size(const void *ptr)
{
    uintptr_t addr = (uintptr_t)ptr;
    struct segment *segment = segment_of(addr);
    if (segment) {
        const struct page *page = page_of(segment, addr);
        if (live_small_block(page, addr))
            return page->block_size;
        if (live_large_block(page, addr))
            return (size_t)page->slices << SLICE_SHIFT;
        return HS_NOT_LIVE;
    }
    struct huge *huge = hs_arena_huge_of(addr);
    return huge && !huge->freed ? hs_arena_huge_usable(huge) : HS_NOT_LIVE;
}

/* The pointer is live (the entry point asked usable_size first). A block
 * shrinking to less than half its size moves, so the memory is not held. */
static bool arena_resize(void *ptr, size_t size)
{
    uintptr_t addr = (uintptr_t)ptr;
    struct segment *segment = segment_of(addr);
    if (!segment) {
        struct huge *huge = hs_arena_huge_of(addr);
        return size > LARGE_MAX && hs_arena_huge_resize(huge, size);
    }
    struct page *page = page_of(segment, addr);
    if (page->kind == PAGE_SMALL)
        return size <= page->block_size && size > page->block_size / 2;
    size_t have = (size_t)page->slices << SLICE_SHIFT;
    if (size <= have) {
        if (size <= have / 2)
            return false;
        page->large_size = size;
        return true;
    }
    unsigned slices = (unsigned)((size + SLICE_SIZE - 1) >> SLICE_SHIFT);
    if (size > LARGE_MAX || segment->heap != hs_arena_heap ||
        !hs_arena_grow_slices(segment->heap, page, slices))
        return false;
    page->large_size = size;
    return true;
}

static void *arena_remap(void *ptr, size_t size)
{
    struct huge *huge = segment_of((uintptr_t)ptr) ? NULL : hs_arena_huge_of((uintptr_t)ptr);
    return huge && size > LARGE_MAX ? hs_arena_huge_remap(huge, size) : NULL;
}

static void arena_report_invalid(void *ptr, const char *call) { report_pointer(ptr, call, false); }

/* How many bytes from the start of a small block were overwritten, at
 * least, by a write that ran on from the block below: its tag up to the
 * last byte that differs, and the link too if it leads to no block of the
 * class. */
static size_t overrun_bytes(const struct block *block, const struct page *page)
{
    uintptr_t diff = block->tag ^ freed_tag(block);
    HS_ASSERT(diff != 0);
    size_t bytes = sizeof block->tag - (size_t)__builtin_clzl(diff) / 8;
    uintptr_t next = link_of(block);
    if (next && !class_block_start(page, next))
        bytes = sizeof *block;
    return bytes;
}

void hs_arena_report_damage(const struct block *block)
{
    struct hs_error e = {
        .address = (uintptr_t)block,
        .call = "malloc",
        .thread = hs_thread_number(),
    };
    hs_arena_damage_reported = true;
    struct segment *segment = segment_of((uintptr_t)block);
    HS_ASSERT(segment != NULL);
    const struct page *page = page_of(segment, (uintptr_t)block);
    size_t size = page->kind == PAGE_SMALL ? page->block_size : page->large_size;
    if (block->tag == freed_tag(block)) {
        /* The link alone is wrong: written through a dangling pointer. */
        e.kind = HS_ERR_USE_AFTER_FREE;
        e.has_block = e.block_freed = true;
        e.block = (struct hs_block){.address = e.address,
                                    .size = size,
                                    .extent_start = e.address,
                                    .extent_end = e.address + size};
        e.distance = sizeof block->link;
    } else {
        e.kind = HS_ERR_OVERFLOW;
        if (page->kind == PAGE_SMALL && (const char *)block > page->start) {
            uintptr_t below = e.address - size;
            e.has_block = true;
            e.block = (struct hs_block){
                .address = below, .size = size, .extent_start = below, .extent_end = e.address};
            e.distance = overrun_bytes(block, page);
        }
    }
    hs_heap_error(&e);
}

static void arena_init(void)
{
    if (!hs_arena_reserve())
        hs_config_error("HEAPSHIM_BACKEND", "arena",
                        "cannot reserve address space for the arenas (is ulimit -v set?)");
}

static void arena_start(void) { hs_arena_heaps_start(); }

static bool arena_trim(void)
{
    struct heap *heap = hs_arena_heap;
    if (heap != &hs_arena_empty_heap)
        hs_arena_purge(heap, true);
    hs_arena_huge_trim();
    hs_arena_reserve_trim();
    return true;
}

static void arena_freeze(void)
{
    hs_arena_heaps_lock();
    hs_arena_huge_lock();
    hs_arena_reserve_lock();
}

static void arena_thaw(void)
{
    hs_arena_reserve_unlock();
    hs_arena_huge_unlock();
    hs_arena_heaps_unlock();
}

static void arena_fork_child(void)
{
    hs_arena_reserve_reset();
    hs_arena_huge_reset();
    hs_arena_heaps_reset();
}

static const struct hs_backend arena = {
    .name = "arena",
    .init = arena_init,
    .start = arena_start,
    .alloc = arena_alloc,
    .resize = arena_resize,
    .remap = arena_remap,
    .free = arena_free,
    .usable_size = arena_usable_size,
    .report_invalid = arena_report_invalid,
    .for_each_block = hs_arena_for_each_block,
    .validate = hs_arena_validate,
    .trim = arena_trim,
    .facts = hs_arena_facts,
    .freeze = arena_freeze,
    .thaw = arena_thaw,
    .fork_prepare = arena_freeze,
    .fork_parent = arena_thaw,
    .fork_child = arena_fork_child,
};

const struct hs_backend *hs_arena_backend(bool free_small_blocks)
{
    static struct hs_backend batch;
    if (free_small_blocks)
        return &arena;
    batch = arena;
    batch.free = arena_free_batch;
    return &batch;
}
