/* The limit wrapper (HEAPSHIM_LIMIT=SIZE): the live heap, counted in the
 * bytes the program asked for, may not pass the limit. A request that would
 * take it past fails as out of memory (the entry points turn that into NULL
 * with ENOMEM, or std::bad_alloc from new) and is counted, as Zig's fixed
 * buffer allocator does when it is full.
 *
 * Room is reserved on the gauge before the request goes down, with a
 * compare-and-swap, so threads racing for the last bytes cannot overshoot
 * it together; the book holds each block's size for its release. */

#include "config.h"
#include "services/core/thread.h"
#include "services/unwind/stack.h"
#include "wrappers/book.h"
#include "wrappers/gauge.h"
#include "wrappers/wrappers.h"

static const struct hs_backend *below;
static struct hs_backend limit;
static struct hs_book book;
static struct hs_gauge in_use;
static uint64_t refused;            /* atomic */
static struct hs_limit_facts first; /* the first refusal, written once */

/* Takes size more bytes, or counts a refusal and says false. */
static bool reserve(size_t size, enum hs_call call, size_t requested)
{
    size_t before;
    if (hs_gauge_add_within(&in_use, size, hs_config.limit, &before))
        return true;
    if (__atomic_fetch_add(&refused, 1, __ATOMIC_RELAXED) == 0) {
        first.first_call = call;
        first.first_bytes = requested;
        first.first_in_use = before;
        first.first_thread = hs_thread_number();
        if (below->records_stacks)
            first.first_stack = hs_stack_record(hs_config.stack_depth);
    }
    return false;
}

static void *limit_alloc(size_t size, size_t align, enum hs_alloc_kind kind, bool zero)
{
    if (!reserve(size, hs_call_of_alloc(align, kind, zero), size))
        return NULL;
    void *p = below->alloc(size, align, kind, zero);
    if (p && !hs_book_put(&book, (uintptr_t)p, size, NULL)) {
        below->free(p, kind); /* a block it could not count would escape the limit */
        p = NULL;
    }
    if (!p)
        hs_gauge_sub(&in_use, size);
    return p;
}

static void *limit_realloc(void *ptr, size_t old_usable, size_t new_size)
{
    struct hs_book_entry old = {(uintptr_t)ptr, 0, NULL};
    bool known = hs_book_take(&book, (uintptr_t)ptr, &old);
    size_t growth = new_size > old.size ? new_size - old.size : 0;
    void *p = NULL;
    if (reserve(growth, HS_CALL_REALLOC, new_size)) {
        p = below->realloc(ptr, old_usable, new_size);
        if (!p)
            hs_gauge_sub(&in_use, growth);
    }
    if (!p) {
        if (known)
            hs_book_put(&book, old.ptr, old.size, NULL);
        return NULL;
    }
    if (old.size > new_size)
        hs_gauge_sub(&in_use, old.size - new_size);
    if (!hs_book_put(&book, (uintptr_t)p, new_size, NULL))
        hs_gauge_sub(&in_use, new_size); /* out of memory: released uncounted */
    return p;
}

static void limit_free(void *ptr, enum hs_alloc_kind kind)
{
    struct hs_book_entry old;
    if (hs_book_take(&book, (uintptr_t)ptr, &old))
        hs_gauge_sub(&in_use, old.size);
    below->free(ptr, kind);
}

static void limit_fork_prepare(void)
{
    hs_shards_lock_all(&book.shards);
    below->fork_prepare();
}

static void limit_fork_parent(void)
{
    below->fork_parent();
    hs_shards_unlock_all(&book.shards);
}

static void limit_fork_child(void)
{
    below->fork_child();
    hs_shards_reset_locks(&book.shards);
}

const struct hs_backend *hs_limit_over(const struct hs_backend *layer)
{
    below = layer;
    hs_book_init(&book);
    limit = *layer;
    limit.alloc = limit_alloc;
    limit.realloc = limit_realloc;
    limit.free = limit_free;
    limit.fork_prepare = limit_fork_prepare;
    limit.fork_parent = limit_fork_parent;
    limit.fork_child = limit_fork_child;
    return &limit;
}

void hs_limit_facts(struct hs_limit_facts *out)
{
    *out = first;
    out->limit = hs_config.limit;
    out->peak_bytes = hs_gauge_peak(&in_use);
    out->refused = __atomic_load_n(&refused, __ATOMIC_RELAXED);
}
