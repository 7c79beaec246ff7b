/* The page backend: every block in its own mapping, against a guard page.
 *
 * Layout with the guard after (the default), for a block of `size` bytes:
 *
 *     base                      ptr            ptr+size   guard      base+span
 *     | slack to the alignment  | the block    | <align | PROT_NONE |
 *
 * ptr is the highest address with the block's alignment that keeps the block
 * below the guard, so an access past the end faults at once (to the byte with
 * HEAPSHIM_PAGE_ALIGN=1). With HEAPSHIM_PAGE_GUARD=before the guard comes
 * first and the block starts on the page after it, so underruns fault.
 *
 * Freed blocks are replaced by PROT_NONE pages (their memory goes back to the
 * kernel) and kept in a FIFO quarantine, bounded in bytes and in count, so a
 * use after free faults and a double free is recognised. The quarantine
 * still holds address space: when a mapping is refused, it is emptied and
 * the mapping asked for again, so a program that ran out of memory and
 * freed its blocks gets them back.
 *
 * Each guarded block costs the kernel two memory maps and a quarantined one
 * costs one, out of vm.max_map_count for the whole process. The backend keeps
 * to a budget below that limit, evicts from the quarantine to stay within it,
 * and when even that is not enough serves blocks unguarded from the shared
 * pool (services/mem/pool.c) until room comes back. Allocation never fails for
 * want of maps.
 *
 * Metadata lives out of band in a block table (services/mem/table.c) keyed by the
 * address the program holds. One lock covers it all: every operation makes
 * system calls that take the kernel's mm lock anyway. */
#include <string.h>

#include "backend.h"
#include "config.h"
#include "services/core/check.h"
#include "services/core/lock.h"
#include "services/core/os.h"
#include "services/core/thread.h"
#include "services/mem/pool.h"
#include "services/mem/regions.h"
#include "services/mem/table.h"
#include "services/report/errors.h"

enum placement { GUARDED, POOLED, MAPPED };
enum state { LIVE, FREED };

struct page_block {
    uintptr_t ptr;  /* key: the address the program holds */
    size_t size;    /* bytes requested */
    uintptr_t base; /* start of the mapping, or of the pool slot */
    size_t span;    /* length of the mapping, or the size asked of the pool */
    uint8_t kind;   /* enum hs_alloc_kind */
    uint8_t state;  /* enum state */
    uint8_t placement;
    bool ignored;    /* never a leak (heapshim.h) */
    uint32_t thread; /* the allocating thread's number */
};

/* Default quarantine: address space only, as freed pages are decommitted. */
#define DEFAULT_QUARANTINE ((size_t)1 << 30)

static struct {
    hs_lock lock;
    size_t page;
    struct hs_table blocks;
    struct hs_pool pool;
    /* Quarantine: a ring of freed block addresses, oldest first. */
    uintptr_t *ring;
    size_t ring_capacity, ring_head, ring_count;
    size_t quarantined_bytes, quarantine_limit;
    /* Map budget, in kernel memory maps. */
    size_t maps_used, map_budget, map_count_limit;
    size_t unguarded_blocks;
} page = {
    .lock = HS_LOCK_INIT,
    .blocks = HS_TABLE_INIT(struct page_block),
};

static inline uintptr_t align_down(uintptr_t x, size_t a) { return x & ~(uintptr_t)(a - 1); }
static inline uintptr_t align_up(uintptr_t x, size_t a) { return align_down(x + a - 1, a); }

static size_t read_map_count_limit(void)
{
    char text[32];
    size_t limit = 0;
    if (hs_os_read_file("/proc/sys/vm/max_map_count", text, sizeof text) > 0)
        for (const char *c = text; *c >= '0' && *c <= '9'; c++)
            limit = limit * 10 + (size_t)(*c - '0');
    return limit ? limit : 65530;
}

static void page_init(void)
{
    page.page = hs_os_page_size();
    page.map_count_limit = read_map_count_limit();
    /* Leave a quarter (at least 4096 maps) to the program: its own mmaps,
     * thread stacks and shared objects must keep working. */
    size_t headroom = page.map_count_limit / 4 > 4096 ? page.map_count_limit / 4 : 4096;
    page.map_budget = page.map_count_limit > headroom * 2 ? page.map_count_limit - headroom
                                                          : page.map_count_limit / 2;
    page.quarantine_limit =
        hs_config.quarantine == SIZE_MAX ? DEFAULT_QUARANTINE : hs_config.quarantine;
    page.ring_capacity = page.map_budget;
    page.ring = hs_region_map(page.ring_capacity * sizeof *page.ring);
    if (!page.ring)
        page.ring_capacity = 0;
}

/* ---- quarantine ---- */

static void evict_oldest(void)
{
    HS_ASSERT(page.ring_count > 0 && page.maps_used >= 1);
    uintptr_t ptr = page.ring[page.ring_head];
    page.ring_head = (page.ring_head + 1) % page.ring_capacity;
    page.ring_count--;
    struct page_block *b = hs_table_find(&page.blocks, ptr);
    HS_ASSERT(b && b->state == FREED && b->placement == GUARDED);
    hs_os_unmap((void *)b->base, b->span);
    page.quarantined_bytes -= b->span;
    page.maps_used -= 1;
    hs_table_remove(&page.blocks, b);
}

static void quarantine(struct page_block *b)
{
    if (page.ring_capacity == 0) {
        hs_os_unmap((void *)b->base, b->span);
        page.maps_used -= 1;
        hs_table_remove(&page.blocks, b);
        return;
    }
    if (page.ring_count == page.ring_capacity)
        evict_oldest();
    HS_ASSERT(page.ring_count < page.ring_capacity);
    uintptr_t ptr = b->ptr;
    page.quarantined_bytes += b->span;
    page.ring[(page.ring_head + page.ring_count) % page.ring_capacity] = ptr;
    page.ring_count++;
    while (page.ring_count > 1 && page.quarantined_bytes > page.quarantine_limit)
        evict_oldest();
    /* A limit of 0, or one block larger than the limit: keep nothing. */
    if (page.quarantined_bytes > page.quarantine_limit)
        evict_oldest();
}

/* True if two more maps fit the budget, evicting quarantine to make room. */
static bool room_for_guarded_block(void)
{
    while (page.maps_used + 2 > page.map_budget && page.ring_count > 0)
        evict_oldest();
    return page.maps_used + 2 <= page.map_budget;
}

/* ---- placing blocks ---- */

/* The alignment a block actually gets: HS_MIN_ALIGN is what the malloc
 * family asks for by default, and HEAPSHIM_PAGE_ALIGN replaces it. */
static size_t effective_align(size_t align)
{
    return align == HS_MIN_ALIGN ? hs_config.page_align : align;
}

static bool map_guard_after(struct page_block *b, size_t align)
{
    size_t extra = align > page.page ? align - page.page : 0;
    size_t data = align_up(b->size, page.page) + extra;
    size_t span = data + page.page;
    char *base = hs_os_map(span, data == 0);
    if (!base)
        return false;
    uintptr_t guard = (uintptr_t)base + data;
    if (data && !hs_os_protect((void *)guard, page.page, false)) {
        hs_os_unmap(base, span);
        return false;
    }
    b->ptr = align_down(guard - b->size, align);
    /* Give back the whole pages in front that large alignments left. */
    uintptr_t first_page = align_down(b->ptr, page.page);
    if (first_page > (uintptr_t)base)
        hs_os_unmap(base, first_page - (uintptr_t)base);
    b->base = first_page;
    b->span = guard + page.page - first_page;
    return true;
}

static bool map_guard_before(struct page_block *b, size_t align)
{
    size_t extra = align > page.page ? align - page.page : 0;
    size_t data = align_up(b->size ? b->size : 1, page.page);
    size_t span = page.page + data + extra;
    char *base = hs_os_map(span, false);
    if (!base)
        return false;
    uintptr_t start = align_up((uintptr_t)base + page.page, align > page.page ? align : page.page);
    uintptr_t guard = start - page.page;
    if (!hs_os_protect((void *)guard, page.page, false)) {
        hs_os_unmap(base, span);
        return false;
    }
    if (guard > (uintptr_t)base)
        hs_os_unmap(base, guard - (uintptr_t)base);
    uintptr_t end = (uintptr_t)base + span;
    if (end > start + data)
        hs_os_unmap((void *)(start + data), end - (start + data));
    b->ptr = start;
    b->base = guard;
    b->span = page.page + data;
    return true;
}

static bool map_guarded(struct page_block *b, size_t align)
{
    return hs_config.page_guard == HS_GUARD_AFTER ? map_guard_after(b, align)
                                                  : map_guard_before(b, align);
}

/* When the kernel refuses the mapping (out of memory, or of address space
 * under ulimit -v), the quarantine gives its address space back and the
 * mapping is asked for once more; unless the quarantine holds less than
 * the block needs, as for a request larger than memory. */
static bool place_guarded(struct page_block *b, size_t align)
{
    if (!room_for_guarded_block())
        return false;
    bool ok = map_guarded(b, align);
    if (!ok && page.ring_count > 0 && page.quarantined_bytes >= b->size) {
        while (page.ring_count > 0)
            evict_oldest();
        ok = map_guarded(b, align);
    }
    if (ok) {
        b->placement = GUARDED;
        page.maps_used += 2;
    }
    return ok;
}

/* Unguarded: packed into the pool when small, else a mapping of its own. */
static bool place_unguarded(struct page_block *b, size_t align)
{
    size_t slack = align > HS_MIN_ALIGN ? align - HS_MIN_ALIGN : 0;
    size_t need = (b->size ? b->size : 1) + slack;
    if (need <= HS_CLASS_MAX_SIZE) {
        void *slot = hs_pool_alloc(&page.pool, need);
        if (!slot)
            return false;
        b->placement = POOLED;
        b->base = (uintptr_t)slot;
        b->span = need;
    } else {
        size_t span = align_up(need, page.page);
        void *map = hs_os_map(span, false);
        if (!map)
            return false;
        b->placement = MAPPED;
        b->base = (uintptr_t)map;
        b->span = span;
        page.maps_used += 1;
    }
    b->ptr = align_up(b->base, align > HS_MIN_ALIGN ? align : HS_MIN_ALIGN);
    page.unguarded_blocks++;
    return true;
}

static void release_placement(const struct page_block *b)
{
    if (b->placement == POOLED) {
        hs_pool_free(&page.pool, (void *)b->base, b->span);
    } else {
        size_t maps = b->placement == GUARDED ? 2 : 1;
        HS_ASSERT(page.maps_used >= maps);
        hs_os_unmap((void *)b->base, b->span);
        page.maps_used -= maps;
    }
}

/* ---- the interface ---- */

static size_t check_block(const struct page_block *b);

static void *page_alloc(size_t size, size_t align, enum hs_alloc_kind kind, bool zero)
{
    struct page_block b = {
        .size = size, .kind = (uint8_t)kind, .state = LIVE, .thread = hs_thread_number()};
    hs_lock_acquire(&page.lock);
    if (!place_guarded(&b, effective_align(align)) && !place_unguarded(&b, align)) {
        hs_lock_release(&page.lock);
        return NULL;
    }
    struct page_block *entry = hs_table_insert(&page.blocks, b.ptr);
    if (!entry) {
        release_placement(&b);
        hs_lock_release(&page.lock);
        return NULL;
    }
    HS_ASSERT(entry->ptr == b.ptr && entry->size == 0);
    *entry = b;
    HS_ASSERT_EXPENSIVE(check_block(entry) <= 2);
    hs_lock_release(&page.lock);
    /* Guarded and mapped blocks are fresh pages, zero already. */
    if (zero && b.placement == POOLED)
        memset((void *)b.ptr, 0, size);
    return (void *)b.ptr;
}

static size_t usable_of(const struct page_block *b)
{
    switch (b->placement) {
    case GUARDED:
        return hs_config.page_guard == HS_GUARD_AFTER ? b->base + b->span - page.page - b->ptr
                                                      : b->span - page.page;
    case POOLED: return hs_class_size(hs_size_class(b->span)) - (b->ptr - b->base);
    default: return b->base + b->span - b->ptr;
    }
}

static size_t page_usable_size(const void *ptr)
{
    hs_lock_acquire(&page.lock);
    const struct page_block *b = hs_table_find(&page.blocks, (uintptr_t)ptr);
    size_t usable = b && b->state == LIVE ? usable_of(b) : HS_NOT_LIVE;
    hs_lock_release(&page.lock);
    return usable;
}

/* In place only when the block keeps its address and its guard stays
 * against the new end (or, guard before, the pages still hold it). */
static bool page_resize(void *ptr, size_t new_size)
{
    bool done = false;
    hs_lock_acquire(&page.lock);
    struct page_block *b = hs_table_find(&page.blocks, (uintptr_t)ptr);
    if (b && b->state == LIVE) {
        bool fits = new_size <= usable_of(b);
        if (b->placement == GUARDED && hs_config.page_guard == HS_GUARD_AFTER)
            fits = fits && usable_of(b) - new_size < hs_config.page_align;
        if (fits) {
            b->size = new_size;
            done = true;
        }
    }
    hs_lock_release(&page.lock);
    return done;
}

static void block_of(const struct page_block *b, struct hs_block *out)
{
    *out = (struct hs_block){
        .address = b->ptr,
        .size = b->size,
        .kind = (enum hs_alloc_kind)b->kind,
        .guarded = b->placement == GUARDED,
        .ignored = b->ignored,
        .thread = b->thread,
        .extent_start = b->base,
        .extent_end = b->placement == POOLED ? b->base + hs_class_size(hs_size_class(b->span))
                                             : b->base + b->span,
    };
}

/* The block whose mapping holds addr, live or quarantined; lock held. */
static const struct page_block *containing(uintptr_t addr)
{
    size_t cursor = 0;
    const struct page_block *b;
    while ((b = hs_table_next(&page.blocks, &cursor)))
        if (addr >= b->base && addr - b->base < b->span)
            return b;
    return NULL;
}

static void report_bad_pointer(void *ptr, const char *call, bool is_free)
{
    struct hs_error e = {.address = (uintptr_t)ptr, .call = call};
    hs_lock_acquire(&page.lock);
    const struct page_block *b = hs_table_find(&page.blocks, (uintptr_t)ptr);
    if (b && b->state == FREED) {
        e.kind = is_free ? HS_ERR_DOUBLE_FREE : HS_ERR_INVALID_REALLOC;
        e.has_block = true;
        e.block_freed = true;
    } else {
        e.kind = is_free ? HS_ERR_INVALID_FREE : HS_ERR_INVALID_REALLOC;
        b = containing((uintptr_t)ptr);
        e.has_block = b != NULL;
        e.block_freed = b && b->state == FREED;
    }
    if (b)
        block_of(b, &e.block);
    hs_lock_release(&page.lock);
    hs_heap_error(&e);
}

static void page_report_invalid(void *ptr, const char *call)
{
    report_bad_pointer(ptr, call, false);
}

static void page_free(void *ptr, enum hs_alloc_kind kind)
{
    (void)kind;
    hs_lock_acquire(&page.lock);
    struct page_block *b = hs_table_find(&page.blocks, (uintptr_t)ptr);
    if (!b || b->state != LIVE) {
        hs_lock_release(&page.lock);
        report_bad_pointer(ptr, "free", true);
        return;
    }
    if (b->placement == GUARDED && hs_os_decommit((void *)b->base, b->span)) {
        HS_ASSERT(page.maps_used >= 2);
        b->state = FREED;
        page.maps_used -= 1; /* the block and its guard are one map now */
        HS_ASSERT_EXPENSIVE(check_block(b) == 1);
        quarantine(b);
    } else {
        release_placement(b);
        hs_table_remove(&page.blocks, b);
    }
    hs_lock_release(&page.lock);
}

static void page_for_each_block(hs_block_visitor *visit, void *ctx)
{
    size_t cursor = 0;
    const struct page_block *b;
    struct hs_block block;
    while ((b = hs_table_next(&page.blocks, &cursor))) {
        if (b->state == LIVE) {
            block_of(b, &block);
            visit(&block, ctx);
        }
    }
}

/* Called from the SIGSEGV handler: wait a little for the lock, then read the
 * table without it, since the process is about to die anyway. */
static bool page_locate(uintptr_t addr, struct hs_place *out)
{
    bool locked = false;
    for (int i = 0; i < 100000 && !(locked = hs_lock_try(&page.lock)); i++)
        ;
    const struct page_block *b = containing(addr);
    if (b) {
        block_of(b, &out->block);
        hs_place_relate(out, addr, b->state == FREED);
    }
    if (locked)
        hs_lock_release(&page.lock);
    return b != NULL;
}

static bool page_ignore(const void *ptr)
{
    hs_lock_acquire(&page.lock);
    struct page_block *b = hs_table_find(&page.blocks, (uintptr_t)ptr);
    bool live = b && b->state == LIVE;
    if (live)
        b->ignored = true;
    hs_lock_release(&page.lock);
    return live;
}

static void page_facts(struct hs_backend_facts *out)
{
    hs_lock_acquire(&page.lock);
    out->quarantined_blocks = page.ring_count;
    out->quarantined_bytes = page.quarantined_bytes;
    out->unguarded_blocks = page.unguarded_blocks;
    out->map_count_limit = page.map_count_limit;
    hs_lock_release(&page.lock);
}

/* ---- the expensive check ---- */

/* No access at addr: a guard, or a quarantined block. */
static void check_no_access(uintptr_t addr) { HS_ASSERT(!hs_os_writable(addr)); }

/* The block within its placement, its guard in place; returns the kernel
 * maps it holds. */
static size_t check_block(const struct page_block *b)
{
    HS_ASSERT(b->ptr && b->kind <= HS_KIND_NEW_ARRAY && b->state <= FREED);
    HS_ASSERT(b->placement == GUARDED || b->state == LIVE);
    HS_ASSERT(b->base <= b->ptr && b->ptr + b->size <= b->base + b->span);
    if (b->placement == POOLED) {
        HS_ASSERT(b->span <= HS_CLASS_MAX_SIZE);
        return 0;
    }
    HS_ASSERT(b->base % page.page == 0 && b->span % page.page == 0);
    if (b->placement == MAPPED)
        return 1;
    if (b->state == FREED) {
        check_no_access(b->base);
        return 1;
    }
    bool after = hs_config.page_guard == HS_GUARD_AFTER;
    uintptr_t guard = after ? b->base + b->span - page.page : b->base;
    HS_ASSERT(after ? b->ptr + b->size <= guard : b->ptr == guard + page.page);
    check_no_access(guard);
    return 2;
}

/* The quarantine ring: freed blocks of the table, oldest first. */
static void check_ring(void)
{
    HS_ASSERT(page.ring_count <= page.ring_capacity);
    HS_ASSERT(page.ring_head < page.ring_capacity || page.ring_capacity == 0);
    size_t bytes = 0;
    for (size_t i = 0; i < page.ring_count; i++) {
        uintptr_t ptr = page.ring[(page.ring_head + i) % page.ring_capacity];
        const struct page_block *b = hs_table_find(&page.blocks, ptr);
        HS_ASSERT(b && b->state == FREED);
        bytes += b->span;
    }
    HS_ASSERT(bytes == page.quarantined_bytes);
}

/* Lock held (freeze). */
static void page_validate(void)
{
    hs_table_validate(&page.blocks);
    hs_pool_validate(&page.pool);
    size_t cursor = 0, maps = 0, freed = 0;
    const struct page_block *b;
    while ((b = hs_table_next(&page.blocks, &cursor))) {
        maps += check_block(b);
        freed += b->state == FREED;
    }
    HS_ASSERT(maps == page.maps_used && freed == page.ring_count);
    check_ring();
}

static void page_freeze(void) { hs_lock_acquire(&page.lock); }
static void page_thaw(void) { hs_lock_release(&page.lock); }
static void page_fork_child(void) { hs_lock_reset(&page.lock); }

const struct hs_backend hs_page_backend = {
    .name = "page",
    .faults = true,
    .init = page_init,
    .alloc = page_alloc,
    .resize = page_resize,
    .remap = NULL,
    .free = page_free,
    .usable_size = page_usable_size,
    .report_invalid = page_report_invalid,
    .for_each_block = page_for_each_block,
    .locate = page_locate,
    .ignore = page_ignore,
    .validate = page_validate,
    .trim = NULL,
    .facts = page_facts,
    .freeze = page_freeze,
    .thaw = page_thaw,
    .fork_prepare = page_freeze,
    .fork_parent = page_thaw,
    .fork_child = page_fork_child,
};
