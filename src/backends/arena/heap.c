/* Thread heaps: attached to a thread at its first allocation, abandoned at
 * its exit with every block still in place, adopted whole by the next thread
 * that needs a heap. A program that runs a million short threads one after
 * another reuses the same few heaps, so its footprint stays flat.
 *
 * Heap records are never unmapped: a free from another thread may still
 * read a segment's owner after the owner is gone, and finds it abandoned,
 * not unmapped. In a forked child, the heaps of the threads that did not
 * survive are left alone: they may have been stopped halfway through an
 * operation, so adopting them could hand out a block twice. Their live
 * blocks stay valid and freeable, and the child's report lists them. */
#define _GNU_SOURCE
#include <pthread.h>

#include "backends/arena/arena.h"
#include "services/core/check.h"
#include "services/core/lock.h"
#include "services/core/thread.h"
#include "services/mem/regions.h"

#define HEAPS_PER_CHUNK 64

struct page hs_arena_empty_page;
struct heap hs_arena_empty_heap = {
    .pages = {[0 ... HS_CLASS_COUNT - 1] = &hs_arena_empty_page},
};
__thread struct heap *hs_arena_heap __attribute__((tls_model("initial-exec"))) =
    &hs_arena_empty_heap;

static struct {
    hs_lock lock;
    struct heap *abandoned;
    struct heap *spare; /* the rest of the last chunk */
    size_t spare_count;
    size_t made; /* heap records handed out, ever */
    pthread_key_t exit_key;
    bool exit_key_ready;
} heaps;

/* Lock held. */
static struct heap *new_heap(void)
{
    if (heaps.spare_count == 0) {
        struct heap *chunk = hs_region_map(HEAPS_PER_CHUNK * sizeof *chunk);
        if (!chunk)
            return NULL;
        heaps.spare = chunk;
        heaps.spare_count = HEAPS_PER_CHUNK;
    }
    struct heap *heap = heaps.spare++;
    heaps.spare_count--;
    heaps.made++;
    for (unsigned c = 0; c < HS_CLASS_COUNT; c++) {
        heap->pages[c] = &hs_arena_empty_page;
        /* What a stash's links are checked against (class_block_start). */
        struct page *stash = &heap->stash[c];
        stash->size_class = (uint8_t)c;
        stash->block_size = (uint32_t)hs_class_size(c);
        stash->divisor_test = UINT64_MAX / stash->block_size + 1;
    }
    return heap;
}

struct heap *hs_arena_attach(void)
{
    hs_lock_acquire(&heaps.lock);
    struct heap *heap = heaps.abandoned;
    if (heap)
        heaps.abandoned = heap->next_abandoned;
    else
        heap = new_heap();
    hs_lock_release(&heaps.lock);
    if (!heap)
        return NULL;
    hs_arena_heap = heap;
    hs_thread_number(); /* the exit scan learns of the thread and its end */
    /* Set after the heap, so an allocation pthread_setspecific makes finds
     * it attached. */
    if (__atomic_load_n(&heaps.exit_key_ready, __ATOMIC_ACQUIRE)) {
        bool in_shim = hs_thread_call_out();
        pthread_setspecific(heaps.exit_key, heap);
        hs_thread_call_back(in_shim);
    }
    return heap;
}

static void thread_ends(void *value)
{
    struct heap *heap = value;
    hs_arena_heap = &hs_arena_empty_heap;
    hs_arena_purge(heap, true);
    hs_lock_acquire(&heaps.lock);
    heap->next_abandoned = heaps.abandoned;
    heaps.abandoned = heap;
    hs_lock_release(&heaps.lock);
}

void hs_arena_heaps_start(void)
{
    if (pthread_key_create(&heaps.exit_key, thread_ends) != 0)
        return;
    __atomic_store_n(&heaps.exit_key_ready, true, __ATOMIC_RELEASE);
    /* The thread running the constructor may have a heap already. */
    if (hs_arena_heap != &hs_arena_empty_heap)
        pthread_setspecific(heaps.exit_key, hs_arena_heap);
}

void hs_arena_for_each_quiet_heap(void (*check)(const struct heap *heap))
{
    if (hs_arena_heap != &hs_arena_empty_heap)
        check(hs_arena_heap);
    size_t seen = 0;
    for (const struct heap *h = heaps.abandoned; h; h = h->next_abandoned) {
        HS_ASSERT(++seen <= heaps.made && h != hs_arena_heap);
        check(h);
    }
}

void hs_arena_heaps_lock(void) { hs_lock_acquire(&heaps.lock); }

void hs_arena_heaps_unlock(void) { hs_lock_release(&heaps.lock); }

void hs_arena_heaps_reset(void) { hs_lock_reset(&heaps.lock); }
