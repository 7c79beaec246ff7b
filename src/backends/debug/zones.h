/* Redzones and fill patterns: painting them and checking them.
 *
 * Redzones are filled with patterns and checked on free, on realloc and at
 * exit, so an overflow or underflow is reported with the number of bytes
 * written. Fresh memory from malloc is filled with a non-zero pattern.
 * Freed blocks are filled with another pattern, checked when they leave
 * the quarantine, at exit and by heapshim_check(), so a write after free
 * is reported with the allocation and free stacks. A block's middle
 * (debug.h) is not painted: it is given back to the kernel instead.
 *
 * The painting is inline here, since every allocation and every free
 * paints; the checking is in zones.c. */
#ifndef HS_DEBUG_ZONES_H
#define HS_DEBUG_ZONES_H

#include <string.h>

#include "backends/debug/debug.h"
#include "services/core/os.h"

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

/* Fills b's redzones. */
static inline void fill_zones(const struct debug_block *b)
{
    fill(left_zone(b), FILL_LEFT, REDZONE);
    fill(b->ptr + b->size, FILL_RIGHT, right_zone_end(b) - (b->ptr + b->size));
}

/* The middle of a block: whole pages, empty unless the block is larger
 * than SPLIT_MIN (always a mapping of its own, then). */
struct middle {
    uintptr_t start, end;
};

static inline struct middle middle_of(uintptr_t ptr, size_t size)
{
    uintptr_t end = ptr + size;
    if (size <= SPLIT_MIN)
        return (struct middle){end, end};
    size_t page = hs_os_page_size();
    return (struct middle){align_up(ptr + EDGE, page), (end - EDGE) & ~(uintptr_t)(page - 1)};
}

/* Fills what [start, end) has outside the middle m. */
static inline void fill_around(uintptr_t start, uintptr_t end, unsigned char byte, struct middle m)
{
    uintptr_t before = end < m.start ? end : m.start, after = start > m.end ? start : m.end;
    if (start < before)
        fill(start, byte, before - start);
    if (after < end)
        fill(after, byte, end - after);
}

/* Fills a block as it is handed out: zeros for calloc (zeroed: the slot
 * reads as zeros already), else the fresh pattern. */
static inline void fill_fresh(const struct debug_block *b, bool zero, bool zeroed)
{
    if (zero && zeroed)
        return;
    struct middle m = middle_of(b->ptr, b->size);
    fill_around(b->ptr, b->ptr + b->size, zero ? 0 : FILL_FRESH, m);
    if (zero && m.end > m.start)
        hs_os_discard((void *)m.start, m.end - m.start);
}

/* Fills with the fresh pattern what b gains by growing to new_size. */
static inline void fill_grown(const struct debug_block *b, size_t new_size)
{
    if (new_size > b->size)
        fill_around(b->ptr + b->size, b->ptr + new_size, FILL_FRESH, middle_of(b->ptr, new_size));
}

/* Fills a freed block with the freed pattern, and gives its middle back. */
static inline void fill_freed(const struct debug_block *b)
{
    struct middle m = middle_of(b->ptr, b->size);
    fill_around(b->ptr, b->ptr + b->size, FILL_FREED, m);
    if (m.end > m.start)
        hs_os_discard((void *)m.start, m.end - m.start);
}

/* How many bytes of b's right redzone differ from its pattern. */
size_t hs_debug_right_zone_damage(const struct debug_block *b);
/* How many bytes of a freed block were written since it was freed. */
size_t hs_debug_written_after_free(const struct debug_block *b);
/* Reports a write after free into a quarantined block, b a copy, found by
 * `call` (whose stack is `stack`); no lock held. */
void hs_debug_report_written_after_free(const struct debug_block *b, size_t written,
                                        const char *call, const struct hs_stack *stack);
/* Reports a block's damaged redzones; no lock held, b a copy. Returns the
 * number of redzones damaged (0 to 2). */
int hs_debug_check_redzones(const struct debug_block *b, const char *call,
                            const struct hs_stack *stack);
/* Checks, reports and repairs the redzones of every live block; returns
 * how many blocks were damaged. stack: the check's. */
size_t hs_debug_check_live(const struct hs_stack *stack);

#endif
