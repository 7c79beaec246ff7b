/* The arena backend: per-thread heaps carved from one reserved stretch of
 * address space. Types and invariants, written down once.
 *
 * Address space. At start the backend reserves a large PROT_NONE range (the
 * reservation, reserve.c) and cuts it into segments of 4 MiB, aligned to
 * their size. One byte per segment (the segment map) says what the segment
 * is, so any pointer is classified with a subtraction, a compare and one
 * load: outside the reservation means the shim never returned it.
 *
 * Segments (segment.c). A heap segment belongs to one thread heap and is 64
 * slices of 64 KiB. Slice 0 holds the segment header and the descriptors of
 * the pages: metadata never sits among blocks. Every other slice is free or
 * part of a page.
 *
 * Pages (pages.c). A small page is a run of slices holding blocks of one
 * size class (services/mem/sizeclass.h, up to 64 KiB, at most 12.5% rounding
 * above 128 bytes). A large page is a run of slices holding one block of up
 * to LARGE_MAX bytes. Larger blocks are huge (huge.c): a run of whole
 * segments of their own, moved with mremap when they grow.
 *
 * A free block carries two words:
 *     word 0: its freed tag, address ^ tag key
 *     word 1: the next free block, encoded with the link keys (a mask, an
 *             odd multiplier and a rotation) and the block's own address:
 *             rotl((next ^ address ^ mask) * multiplier, rotation)
 * The keys are independent secrets from getrandom(2), drawn at start: a
 * freed tag read through a dangling pointer tells nothing of the link
 * encoding, and an encoded link copied into another block decodes to
 * somewhere else. A link is followed only if it decodes to the start of a
 * carved block of the same page (for a stash: of a small page of its
 * class), and a block is taken from a list only if it carries its freed
 * tag: anything else is reported as heap damage, never returned. The
 * multiplication spreads a bit flipped in a link over the bits above it in
 * the address it decodes to, so a stray change lands far outside any page
 * instead of on a neighbour's block. A one-byte overflow from the block
 * below reaches only the tag; a write through a dangling pointer reaches
 * the link with the tag intact, and is reported as the use after free it
 * is. The tag tells free blocks from live ones, so a double free is caught
 * with one compare and the exit report walks pages with no per-block
 * metadata. Allocation clears the tag.
 *
 * Ownership (heap.c). Every segment belongs to one heap, and a heap to at
 * most one thread at a time: its pages and lists are touched only by that
 * thread, with no atomic operation. A free from another thread goes first
 * to that thread's stash for the class, a bounded cache it allocates from
 * again (warm in its cache, as glibc's tcache does); past the bound it is
 * pushed onto the owning heap's remote list (one compare-and-swap) and the
 * owner takes the whole list back when it runs short. When a thread ends, its
 * heap, with the blocks still live in it, is abandoned; the next new thread
 * adopts it, remote list and all. */
#ifndef HS_ARENA_H
#define HS_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "services/mem/sizeclass.h"

#define SEGMENT_SHIFT 22
#define SEGMENT_SIZE ((size_t)1 << SEGMENT_SHIFT)
#define SLICE_SHIFT 16
#define SLICE_SIZE ((size_t)1 << SLICE_SHIFT)
#define SLICES_PER_SEGMENT (SEGMENT_SIZE / SLICE_SIZE)
/* Requests above this are huge; below, a large page fits in a segment. */
#define LARGE_MAX (32 * SLICE_SIZE)
/* A small page holds at least this many blocks. */
#define PAGE_MIN_BLOCKS 8

/* A segment's slices are the bits of a uint64_t mask. */
_Static_assert(SLICES_PER_SEGMENT == 64, "one bit per slice in a 64-bit mask");
/* The divisor test (carved_block_start) is exact for offsets below 2^32. */
_Static_assert(SEGMENT_SIZE <= ((size_t)1 << 32), "page offsets fit the divisor test");
/* Slice 0 holds the header; a large page, or a small page of the largest
 * class, fits in the others. */
_Static_assert(LARGE_MAX <= (SLICES_PER_SEGMENT - 1) * SLICE_SIZE, "a large page fits a segment");
_Static_assert(HS_CLASS_MAX_SIZE *PAGE_MIN_BLOCKS <= (SLICES_PER_SEGMENT - 1) * SLICE_SIZE,
               "a small page fits a segment");
/* A class + 1 fits slice_grid's uint8_t, a page's blocks its uint16_t (a
 * page of the smallest class, 16 bytes, has one slice). */
_Static_assert(HS_CLASS_COUNT < 255, "size_class_1 fits a uint8_t");
_Static_assert(SLICE_SIZE / 16 + PAGE_MIN_BLOCKS <= 65535, "a page's blocks fit a uint16_t");

enum segment_kind { SEGMENT_FREE, SEGMENT_HEAP, SEGMENT_HUGE_HEAD, SEGMENT_HUGE_TAIL };
enum page_kind { PAGE_FREE, PAGE_SMALL, PAGE_LARGE };

struct block {
    uintptr_t tag;
    uintptr_t link;
};

struct heap;

/* A page: the descriptor of a run of slices, kept in the segment header.
 * Only the first slice's descriptor is used; the others say how far back it
 * is. For a large page `end` equals `start`, so the small-block free path
 * never accepts a pointer into it. */
struct page {
    struct block *free; /* local free list */
    uint32_t used;      /* blocks out of the free list and bump area */
    uint32_t block_size;
    uint64_t divisor_test; /* offset * this < this iff block_size divides offset */
    char *start;
    char *end;                /* end of the blocks carved so far */
    char *limit;              /* end of the page */
    struct page *next, *prev; /* the heap's list of pages with room */
    size_t large_size;        /* large page: bytes requested */
    uint8_t kind;             /* enum page_kind */
    uint8_t size_class;
    uint8_t slices;
    uint8_t head_offset; /* slices back to the page's first slice */
    bool listed;         /* on the heap's list for its class */
};

/* Of a slice, what other threads read to check a link into it: the small
 * page it is part of. Written only as pages are made and given back, apart
 * from the page descriptors, which the owner writes at every allocation. */
struct slice_grid {
    uint8_t size_class_1; /* the small page's size class + 1; 0: none */
    uint8_t head_offset;  /* slices back to the page's first slice */
    uint16_t blocks;      /* the page's blocks */
};

struct segment {
    struct heap *heap;
    struct segment *next, *prev; /* the heap's segments */
    uint64_t free_slices;        /* bit i: slice i is free */
    uint64_t dirty_slices;       /* free slices whose pages may be resident */
    struct slice_grid grid[SLICES_PER_SEGMENT];
    struct page pages[SLICES_PER_SEGMENT];
};
_Static_assert(sizeof(struct segment) <= SLICE_SIZE, "the segment header fits slice 0");

struct heap {
    /* Per class, pages with room; the first is allocated from. An empty
     * class points at a shared page with nothing in it, so the fast path
     * needs no test beyond "is there a free block". */
    struct page *pages[HS_CLASS_COUNT];
    struct block *remote_free; /* atomic: frees from other threads */
    struct segment *segments;
    struct heap *next_abandoned;
    uint64_t purge_at_ms; /* dirty free slices are purged from then */
    size_t dirty_slices;
    /* Per class, blocks of other heaps that this thread freed, kept to be
     * allocated again while they are still in this core's cache. A stash is
     * a page with no memory of its own: it joins the class list like a page
     * and leaves it when empty, so the fast paths do not know it exists. Its
     * blocks stay in use as far as their owners' pages are concerned. */
    struct page stash[HS_CLASS_COUNT];
    uint16_t stashed[HS_CLASS_COUNT]; /* pushed since the stash was last empty */
};

/* The reservation: where it is, and what each segment is. */
struct reservation {
    uintptr_t base;
    size_t size;
    uint8_t *segment_kind;
    uintptr_t tag_key; /* odd: a freed tag is never an address */
    uintptr_t link_mask;
    uintptr_t link_multiplier, link_inverse; /* odd; their product is 1 */
    unsigned link_rotate;                    /* 1 to 63 */
};
extern struct reservation hs_arena_space;

/* The empty heap of threads that have not allocated yet, and its empty
 * page. */
extern struct heap hs_arena_empty_heap;
extern struct page hs_arena_empty_page;
extern __thread struct heap *hs_arena_heap __attribute__((tls_model("initial-exec")));

static inline uintptr_t freed_tag(const void *block)
{
    return (uintptr_t)block ^ hs_arena_space.tag_key;
}

/* Stores in b the link to next (NULL: the end of the list). */
static inline void set_link(struct block *b, const struct block *next)
{
    unsigned r = hs_arena_space.link_rotate;
    uintptr_t x = ((uintptr_t)next ^ (uintptr_t)b ^ hs_arena_space.link_mask) *
                  hs_arena_space.link_multiplier;
    b->link = (x << r) | (x >> (-r & 63));
}

/* The address b's link decodes to: not yet checked. */
static inline uintptr_t link_of(const struct block *b)
{
    unsigned r = hs_arena_space.link_rotate;
    uintptr_t x = b->link;
    x = ((x >> r) | (x << (-r & 63))) * hs_arena_space.link_inverse;
    return x ^ (uintptr_t)b ^ hs_arena_space.link_mask;
}

/* addr is the start of a block carved in the small page: the offset test
 * is exact for offsets below 2^32, and a page is far smaller. */
static inline bool carved_block_start(const struct page *page, uintptr_t addr)
{
    uintptr_t offset = addr - (uintptr_t)page->start;
    return offset < (uintptr_t)(page->end - page->start) &&
           offset * page->divisor_test < page->divisor_test;
}

/* The heap segment holding addr, or NULL if addr is not in one. */
static inline struct segment *segment_of(uintptr_t addr)
{
    uintptr_t offset = addr - hs_arena_space.base;
    if (offset >= hs_arena_space.size ||
        hs_arena_space.segment_kind[offset >> SEGMENT_SHIFT] != SEGMENT_HEAP)
        return NULL;
    return (struct segment *)(addr & ~(SEGMENT_SIZE - 1));
}

static inline struct page *page_of(struct segment *segment, uintptr_t addr)
{
    struct page *slice = &segment->pages[(addr >> SLICE_SHIFT) & (SLICES_PER_SEGMENT - 1)];
    return slice - slice->head_offset;
}

/* addr is the start of a block of a small page of the class of `like` (a
 * page or a stash: its size class, block size and divisor test), in any
 * heap: where a stash's links may lead. Reads the slice grid, not the page
 * descriptors, which the page's owner writes as it allocates. */
static inline bool class_block_start(const struct page *like, uintptr_t addr)
{
    struct segment *segment = segment_of(addr);
    if (!segment)
        return false;
    struct slice_grid grid = segment->grid[(addr >> SLICE_SHIFT) & (SLICES_PER_SEGMENT - 1)];
    uintptr_t start = (addr & ~(SLICE_SIZE - 1)) - ((uintptr_t)grid.head_offset << SLICE_SHIFT);
    uintptr_t offset = addr - start;
    return grid.size_class_1 == like->size_class + 1 &&
           offset < (uintptr_t)grid.blocks * like->block_size &&
           offset * like->divisor_test < like->divisor_test;
}

/* reserve.c: whole segments. */
bool hs_arena_reserve(void);
/* A run of count segments, its first index a multiple of align_segments,
 * committed and marked with kind; *fresh says it reads as zeros. */
void *hs_arena_take_segments(size_t count, size_t align_segments, enum segment_kind kind,
                             bool *fresh);
void hs_arena_give_segments(void *start, size_t count);
/* Commits the count segments after a run of `have` if they are free. */
bool hs_arena_extend_segments(void *start, size_t have, size_t count);
/* Moves a run elsewhere with mremap (no copy); NULL if there is no room. */
void *hs_arena_move_segments(void *start, size_t have, size_t count);
/* Segment indexes at and past this one have never been used. */
size_t hs_arena_segments_end(void);
/* Lock held. The segments of the huge run at start, as the segment kinds
 * say: its head and the tails after it. */
size_t hs_arena_run_segments(const void *start);
/* Lock held (freeze). Checks the segment bitmap against the kinds, the
 * lowest free index and the cache; fails with HS_ASSERT. */
void hs_arena_reserve_validate(void);
void hs_arena_reserve_trim(void);
void hs_arena_reserve_lock(void);
void hs_arena_reserve_unlock(void);
void hs_arena_reserve_reset(void);

/* segment.c: slices of the calling thread's own heap. */
struct page *hs_arena_take_slices(struct heap *heap, unsigned slices, unsigned align_slices,
                                  bool *fresh);
void hs_arena_give_slices(struct heap *heap, struct page *page);
/* Grows a large page into the free slices after it; false if taken. */
bool hs_arena_grow_slices(struct heap *heap, struct page *page, unsigned slices);
void hs_arena_purge(struct heap *heap, bool now);

/* pages.c: small blocks. */
void *hs_arena_small_slow(struct heap *heap, unsigned size_class);
/* pop_block's slow path: page->free is not NULL. Takes the first block if it
 * is free and its link is sound; else reports the damage, drops what of the
 * list can no longer be trusted, and takes a block from what is left, or
 * returns NULL if nothing is left. */
struct block *hs_arena_pop_checked(struct page *page);
void hs_arena_page_changed(struct heap *heap, struct page *page);
/* A block of the calling thread's own heap, small or large. */
void hs_arena_free_local(struct heap *heap, struct page *page, struct block *block);
/* A small block of another heap, freed by this thread: false if the stash
 * for its class is full. */
bool hs_arena_stash(struct heap *heap, unsigned size_class, struct block *block);

/* heap.c: the calling thread's heap, attached on first use. */
struct heap *hs_arena_attach(void);
void hs_arena_heaps_start(void);
void hs_arena_heaps_lock(void);
void hs_arena_heaps_unlock(void);
void hs_arena_heaps_reset(void);
/* Lock held (freeze). Calls check for each heap that no other running
 * thread owns, and that so holds still: the calling thread's own and the
 * abandoned ones. */
void hs_arena_for_each_quiet_heap(void (*check)(const struct heap *heap));

/* huge.c: blocks of whole segments. The header sits at the start of the
 * run. */
struct huge {
    size_t requested;
    size_t segments;
    size_t offset; /* from the run's start to the block */
    bool freed;    /* waiting in the cache */
};
void *hs_arena_huge_alloc(size_t size, size_t align, bool zero);
void hs_arena_huge_free(void *ptr);
/* The huge block starting at ptr, live or freed; NULL if there is none. */
struct huge *hs_arena_huge_of(uintptr_t ptr);
char *hs_arena_huge_block(struct huge *huge);
size_t hs_arena_huge_usable(const struct huge *huge);
bool hs_arena_huge_resize(struct huge *huge, size_t size);
void *hs_arena_huge_remap(struct huge *huge, size_t size);
void hs_arena_huge_trim(void);
/* Both locks held (freeze). Checks the cached runs: each freed, as long as
 * its segments say, counted once in the cache's bytes. The headers of live
 * runs are not read: the thread that holds such a block changes it without
 * the lock. */
void hs_arena_huge_validate(void);
void hs_arena_huge_lock(void);
void hs_arena_huge_unlock(void);
void hs_arena_huge_reset(void);

/* walk.c: the live blocks, for the report. */
struct hs_block;
struct hs_backend_facts;
void hs_arena_for_each_block(void (*visit)(const struct hs_block *, void *), void *ctx);
void hs_arena_facts(struct hs_backend_facts *out);

/* validate.c: the expensive check of everything above (backend.h). Set
 * once damage was reported: a damaged list was cut short, and blocks it
 * held are no longer accounted for. */
extern bool hs_arena_damage_reported;
void hs_arena_validate(void);

/* Reports damage found on a free list at block, a block of a small or
 * large page: its freed tag overwritten (blamed on the block below, when
 * there is one), or, with the tag intact, its link (a write after free).
 * Returns if HEAPSHIM_ON_ERROR=continue. */
void hs_arena_report_damage(const struct block *block);

#endif
