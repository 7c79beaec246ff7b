/* Bulk memory. Blocks of 2^MIN_SHIFT to CHUNK / 2 bytes come from the
 * current chunk by bumping a cursor, or from the free list of their size;
 * when the chunk has no room for one, what is left of it goes to the free
 * lists in power-of-two pieces, so nothing is lost. A free list is threaded
 * through its blocks. */
#include "services/mem/bulk.h"

#include <stdbool.h>
#include <string.h>

#include "services/core/check.h"
#include "services/core/lock.h"
#include "services/core/os.h"
#include "services/mem/regions.h"

#define MIN_SHIFT 12
#define CHUNK_SHIFT 21
#define CHUNK ((size_t)1 << CHUNK_SHIFT)
_Static_assert(MIN_SHIFT < CHUNK_SHIFT, "a chunk holds blocks of every pooled size");

static hs_lock lock = HS_LOCK_INIT;
static void *free_lists[CHUNK_SHIFT]; /* by log2 of the size */
static char *cursor, *chunk_end;
static bool chunked_before;

static unsigned shift_of(size_t len)
{
    unsigned shift = MIN_SHIFT;
    while (((size_t)1 << shift) < len)
        shift++;
    return shift;
}

static void push(void *p, unsigned shift)
{
    *(void **)p = free_lists[shift];
    free_lists[shift] = p;
}

/* Lock held. */
static bool new_chunk(void)
{
    char *chunk = hs_region_map(CHUNK);
    if (!chunk)
        return false;
    if (chunked_before)
        hs_os_advise_huge(chunk, CHUNK);
    chunked_before = true;
    for (unsigned shift = CHUNK_SHIFT - 1; cursor && shift >= MIN_SHIFT; shift--) {
        if ((size_t)(chunk_end - cursor) >= ((size_t)1 << shift)) {
            push(cursor, shift);
            cursor += (size_t)1 << shift;
        }
    }
    cursor = chunk;
    chunk_end = chunk + CHUNK;
    return true;
}

void *hs_bulk_alloc(size_t len)
{
    unsigned shift = shift_of(len);
    size_t size = (size_t)1 << shift;
    if (shift >= CHUNK_SHIFT) {
        void *p = hs_region_map(size);
        if (p)
            hs_os_advise_huge(p, size);
        return p;
    }
    hs_lock_acquire(&lock);
    void *p = free_lists[shift];
    if (p) {
        free_lists[shift] = *(void **)p;
        hs_lock_release(&lock);
        memset(p, 0, size);
        return p;
    }
    if ((size_t)(chunk_end - cursor) < size && !new_chunk()) {
        hs_lock_release(&lock);
        return NULL;
    }
    p = cursor;
    cursor += size;
    hs_lock_release(&lock);
    return p;
}

/* Lock held. p is on the free list of its size: freed already. */
static bool listed(const void *p, unsigned shift)
{
    for (void *q = free_lists[shift]; q; q = *(void **)q)
        if (q == p)
            return true;
    return false;
}

void hs_bulk_free(void *p, size_t len)
{
    unsigned shift = shift_of(len);
    HS_ASSERT(p && (uintptr_t)p % ((size_t)1 << MIN_SHIFT) == 0);
    if (shift >= CHUNK_SHIFT) {
        hs_region_unmap(p, (size_t)1 << shift);
        return;
    }
    hs_lock_acquire(&lock);
    HS_ASSERT_EXPENSIVE(!listed(p, shift));
    push(p, shift);
    hs_lock_release(&lock);
}

void hs_bulk_fork_prepare(void) { hs_lock_acquire(&lock); }

void hs_bulk_fork_release(void) { hs_lock_release(&lock); }
