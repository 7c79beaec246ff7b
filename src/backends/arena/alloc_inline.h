/* The block operations the fast paths and the slow paths share. */
#ifndef HS_ARENA_ALLOC_INLINE_H
#define HS_ARENA_ALLOC_INLINE_H

#include "arena.h"

/* Takes the first free block of the page: NULL if there is none, or if its
 * link leaves the page, which only a write through a stray pointer can do.
 * (A stash spans the whole address space.) */
static inline struct block *try_pop(struct page *page)
{
    struct block *b = page->free;
    if (__builtin_expect(b == NULL, 0))
        return NULL;
    struct block *next = decode_link(b->link);
    uintptr_t span = (uintptr_t)page->limit - (uintptr_t)page->start;
    if (__builtin_expect((uintptr_t)next - (uintptr_t)page->start >= span, 0) && next)
        return NULL;
    page->free = next;
    page->used++;
    b->tag = 0;
    return b;
}

/* page->free is not NULL. A forged link is reported, and the rest of the
 * list dropped rather than followed. */
static inline struct block *pop_block(struct page *page)
{
    struct block *b = try_pop(page);
    if (__builtin_expect(b == NULL, 0)) {
        b = page->free;
        hs_arena_report_damage(b);
        b->link = encode_link(NULL);
        b = try_pop(page);
    }
    return b;
}

static inline void push_block(struct page *page, struct block *b)
{
    b->tag = freed_tag(b);
    b->link = encode_link(page->free);
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

#endif
