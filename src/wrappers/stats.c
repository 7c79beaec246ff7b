/* The stats wrapper (HEAPSHIM_STATS=1): what glibc's memusage and heaptrack
 * users look for, reported at exit.
 *
 * Each thread counts its calls, failures, bytes and request sizes in a
 * block of its own (wrappers/perthread.h), folded into the totals when it
 * ends and gathered with the others at exit. The live heap (bytes and
 * blocks, with their peaks) is one pair of gauges shared by all threads,
 * since a peak is a fact about all of them at once; the book holds the
 * size the program asked for of each live block, so the bytes are exact
 * whatever the backend rounds them to.
 *
 * Under the debug backend, which records stacks anyway, each allocation's
 * stack names its site, and a table of sites keeps their calls, bytes and
 * peak live bytes for the top lists. */
#include <string.h>

#include "config.h"
#include "services/core/thread.h"
#include "services/unwind/stack.h"
#include "wrappers/book.h"
#include "wrappers/gauge.h"
#include "wrappers/perthread.h"
#include "wrappers/wrappers.h"

struct site {
    uintptr_t stack; /* key: the site's stack in the depot */
    uint64_t calls, bytes;
    size_t live, peak;
};

static const struct hs_backend *below;
static struct hs_backend stats;
static struct hs_book book;
static struct hs_shards sites;
static bool with_sites;
static struct hs_gauge live_bytes, live_blocks;

static struct hs_call_counts retired;
static struct hs_perthread threads = HS_PERTHREAD_INIT(sizeof(struct hs_call_counts), &retired);
static __thread struct hs_call_counts *mine;
/* Where a thread counts once its block is retired (glibc frees the thread's
 * own data after the exit hook), or when the shim's memory is exhausted. */
static struct hs_call_counts shared;

/* The counters are all uint64_t: adding two sets is adding word by word. */
#define COUNT_WORDS (sizeof(struct hs_call_counts) / sizeof(uint64_t))
_Static_assert(sizeof(struct hs_call_counts) % sizeof(uint64_t) == 0, "counters are words");

static void add_counts(void *into, void *from)
{
    uint64_t *to = into;
    const uint64_t *add = from;
    for (size_t i = 0; i < COUNT_WORDS; i++)
        to[i] += __atomic_load_n(&add[i], __ATOMIC_RELAXED);
}

static struct hs_call_counts *counts(void)
{
    struct hs_call_counts *c = mine;
    if (__builtin_expect(c != NULL, 1))
        return c;
    hs_thread_number(); /* numbered threads are seen when they end */
    c = hs_perthread_new(&threads);
    mine = c ? c : &shared;
    return mine;
}

static void thread_ends(void)
{
    if (mine && mine != &shared)
        hs_perthread_retire(&threads, mine, add_counts);
    mine = &shared;
}

/* Atomic, for the shared counters; a thread's own are never contended. */
static inline void bump(uint64_t *counter, uint64_t by)
{
    __atomic_add_fetch(counter, by, __ATOMIC_RELAXED);
}

static void count_call(enum hs_call call, size_t size, bool done)
{
    struct hs_call_counts *c = counts();
    bump(&c->calls[call], 1);
    if (!done) {
        bump(&c->failed[call], 1);
        return;
    }
    bump(&c->bytes_requested, size);
    bump(&c->sizes[hs_size_bucket(size)], 1);
}

/* ---- sites ---- */

static const struct hs_stack *site_here(void)
{
    return with_sites ? hs_stack_record(hs_config.stack_depth) : NULL;
}

static void site_gains(const struct hs_stack *stack, size_t size)
{
    if (!stack)
        return;
    struct hs_shard *s = hs_shard_lock(&sites, (uintptr_t)stack);
    struct site *site = hs_table_insert(&s->table, (uintptr_t)stack);
    if (site) {
        site->calls++;
        site->bytes += size;
        site->live += size;
        if (site->live > site->peak)
            site->peak = site->live;
    }
    hs_shard_unlock(s);
}

static void site_loses(const struct hs_stack *stack, size_t size)
{
    if (!stack)
        return;
    struct hs_shard *s = hs_shard_lock(&sites, (uintptr_t)stack);
    struct site *site = hs_table_find(&s->table, (uintptr_t)stack);
    if (site)
        site->live -= size;
    hs_shard_unlock(s);
}

/* ---- live blocks ---- */

static void block_made(void *ptr, size_t size, const struct hs_stack *site)
{
    if (!hs_book_put(&book, (uintptr_t)ptr, size, site))
        return; /* out of memory: the block goes uncounted, in and out */
    hs_gauge_add(&live_bytes, size);
    hs_gauge_add(&live_blocks, 1);
    site_gains(site, size);
}

static void block_gone(const struct hs_book_entry *e)
{
    hs_gauge_sub(&live_bytes, e->size);
    hs_gauge_sub(&live_blocks, 1);
    site_loses(e->tag, e->size);
}

/* ---- the interface ---- */

static void *stats_alloc(size_t size, size_t align, enum hs_alloc_kind kind, bool zero)
{
    const struct hs_stack *site = site_here();
    void *p = below->alloc(size, align, kind, zero);
    count_call(hs_call_of_alloc(align, kind, zero), size, p != NULL);
    if (p)
        block_made(p, size, site);
    return p;
}

static void *stats_realloc(void *ptr, size_t old_usable, size_t new_size)
{
    const struct hs_stack *site = site_here();
    struct hs_book_entry old;
    bool known = hs_book_take(&book, (uintptr_t)ptr, &old);
    void *p = below->realloc(ptr, old_usable, new_size);
    count_call(HS_CALL_REALLOC, new_size, p != NULL);
    if (!p) {
        if (known)
            hs_book_put(&book, old.ptr, old.size, old.tag);
        return NULL;
    }
    if (p != ptr)
        bump(&counts()->realloc_moved, 1);
    if (known)
        block_gone(&old);
    block_made(p, new_size, site);
    return p;
}

static void stats_free(void *ptr, enum hs_alloc_kind kind)
{
    struct hs_book_entry old;
    if (hs_book_take(&book, (uintptr_t)ptr, &old))
        block_gone(&old);
    bump(&counts()->calls[hs_call_of_free(kind)], 1);
    below->free(ptr, kind);
}

static void stats_fork_prepare(void)
{
    hs_perthread_fork_prepare(&threads);
    hs_shards_lock_all(&book.shards);
    hs_shards_lock_all(&sites);
    below->fork_prepare();
}

static void stats_fork_parent(void)
{
    below->fork_parent();
    hs_shards_unlock_all(&sites);
    hs_shards_unlock_all(&book.shards);
    hs_perthread_fork_parent(&threads);
}

static void stats_fork_child(void)
{
    below->fork_child();
    hs_shards_reset_locks(&sites);
    hs_shards_reset_locks(&book.shards);
    hs_perthread_fork_child(&threads);
}

const struct hs_backend *hs_stats_over(const struct hs_backend *layer)
{
    below = layer;
    with_sites = layer->records_stacks && hs_config.stack_depth > 0;
    hs_book_init(&book);
    hs_shards_init(&sites, sizeof(struct site));
    hs_thread_at_exit(thread_ends);
    stats = *layer;
    stats.alloc = stats_alloc;
    stats.realloc = stats_realloc;
    stats.free = stats_free;
    stats.fork_prepare = stats_fork_prepare;
    stats.fork_parent = stats_fork_parent;
    stats.fork_child = stats_fork_child;
    return &stats;
}

/* ---- the facts ---- */

static void gather_counts(void *block, void *ctx)
{
    add_counts(&((struct hs_stats_facts *)ctx)->counts, block);
}

static uint64_t site_key(const struct hs_site_facts *s, enum hs_site_order order)
{
    return order == HS_SITES_BY_BYTES  ? s->bytes
           : order == HS_SITES_BY_PEAK ? s->peak_bytes
                                       : s->calls;
}

/* Keeps the HS_TOP_SITES highest sites of an order, highest first. */
static void consider_site(struct hs_stats_facts *out, enum hs_site_order order,
                          const struct hs_site_facts *s)
{
    struct hs_site_facts *top = out->top[order];
    size_t i = out->top_count[order];
    if (i == HS_TOP_SITES && site_key(&top[i - 1], order) >= site_key(s, order))
        return;
    if (i < HS_TOP_SITES)
        out->top_count[order]++;
    else
        i--;
    for (; i > 0 && site_key(&top[i - 1], order) < site_key(s, order); i--)
        top[i] = top[i - 1];
    top[i] = *s;
}

static void gather_sites(struct hs_stats_facts *out)
{
    for (int i = 0; i < HS_SHARD_COUNT; i++) {
        struct hs_shard *shard = &sites.shard[i];
        size_t cursor = 0;
        const struct site *site;
        hs_lock_acquire(&shard->lock);
        while ((site = hs_table_next(&shard->table, &cursor))) {
            struct hs_site_facts s = {(const struct hs_stack *)site->stack, site->calls,
                                      site->bytes, site->peak};
            for (int order = 0; order < HS_SITE_ORDERS; order++)
                consider_site(out, (enum hs_site_order)order, &s);
        }
        hs_lock_release(&shard->lock);
    }
}

void hs_stats_facts(struct hs_stats_facts *out)
{
    memset(out, 0, sizeof *out);
    hs_perthread_for_each(&threads, gather_counts, out);
    add_counts(&out->counts, &shared);
    out->peak_bytes = hs_gauge_peak(&live_bytes);
    out->peak_blocks = hs_gauge_peak(&live_blocks);
    out->has_sites = with_sites;
    if (with_sites)
        gather_sites(out);
}
