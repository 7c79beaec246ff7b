/* The block operations the fast paths and the slow paths share. */
#ifndef HS_ARENA_ALLOC_INLINE_H
#define HS_ARENA_ALLOC_INLINE_H

#include "backends/arena/arena.h"

/* addr is a block the page's free list may lead to: one carved in the page,
 * or for a stash (which has no memory of its own), one of a small page of
 * its class in any heap. */
static inline bool list_may_hold(const struct page *page, uintptr_t addr)
{
    return page->start ? carved_block_start(page, addr) : class_block_start(page, addr);
}

/* Takes the first free block of the page: NULL if there is none, or if
 * taking it needs more than the quick check. The block must carry its
 * freed tag, and its link must lead to the start of a block of the page.
 * The last block of a list, a stash's blocks (their links lead to other
 * pages) and damage (which is reported) are left to pop_block. */
static inline struct block *try_pop(struct page *page)
{
    struct block *b = page->free;
    if (__builtin_expect(b == NULL, 0))
        return NULL;
    uintptr_t next = link_of(b);
    if (__builtin_expect(!carved_block_start(page, next) || b->tag != freed_tag(b), 0))
        return NULL;
    page->free = (struct block *)next;
    page->used++;
    b->tag = 0;
    return b;
}

/* The first free block of the page, or NULL if there is none (or none left
 * after damage was reported). */
static inline struct block *pop_block(struct page *page)
{
    struct block *b = try_pop(page);
    return b || !page->free ? b : hs_arena_pop_checked(page);
}

static inline void push_block(struct page *page, struct block *b)
{
    b->tag = freed_tag(b);
    set_link(b, page->free);
    page->free = b;
}

/* The live small block at addr in page, or NULL if addr is not the start of
 * one: outside the carved blocks, inside a block, or freed already. */
static inline struct block *live_small_block(const struct page *page, uintptr_t addr)
{
    uintptr_t offset = addr - (uintptr_t)page->start;
    struct block *b = (struct block *)addr;
    if (addr < (uintptr_t)page->end && offset * page->divisor_test < page->divisor_test &&
        b->tag != freed_tag(b))
        return b;
    return NULL;
}

/* The live large block at addr, or NULL. A large block freed by another
 * thread carries its freed tag until its owner takes it back. */
static inline struct block *live_large_block(const struct page *page, uintptr_t addr)
{
    struct block *b = (struct block *)addr;
    if (page->kind == PAGE_LARGE && addr == (uintptr_t)page->start && b->tag != freed_tag(b))
        return b;
    return NULL;
}

/* addr is NULL, or a block of the heap that another thread may have freed:
 * a small block's start or a large page's. */
static inline bool remote_link(const struct heap *heap, uintptr_t addr)
{
    if (!addr)
        return true;
    struct segment *segment = segment_of(addr);
    if (!segment || segment->heap != heap)
        return false;
    const struct page *page = page_of(segment, addr);
    return page->kind == PAGE_SMALL ? carved_block_start(page, addr)
                                    : page->kind == PAGE_LARGE && addr == (uintptr_t)page->start;
}

#endif
