/* The leak report's builder: live blocks in, classified groups out. */

#include "services/core/stop.h"
#include "services/leaks/suppress.h"
#include "services/mem/regions.h"
#include "services/mem/sort.h"
#include "services/mem/table.h"
#include "services/report/data.h"

struct collection {
    struct hs_report_data *d;
    struct hs_block *blocks;
    struct hs_scan_entry *entries;
    size_t count, capacity;
};

static void count_block(const struct hs_block *b, void *ctx)
{
    (void)b;
    ((struct collection *)ctx)->capacity++;
}

/* Keeps the HS_LARGEST_SHOWN largest blocks, biggest first. */
static void consider_largest(struct hs_report_data *d, const struct hs_block *b)
{
    size_t i = d->largest_count;
    if (i == HS_LARGEST_SHOWN && d->largest[i - 1].size >= b->size)
        return;
    if (i < HS_LARGEST_SHOWN)
        d->largest_count++;
    else
        i--;
    for (; i > 0 && d->largest[i - 1].size < b->size; i--)
        d->largest[i] = d->largest[i - 1];
    d->largest[i] = *b;
}

static void collect_block(const struct hs_block *b, void *ctx)
{
    struct collection *c = ctx;
    struct hs_report_data *d = c->d;
    d->live_blocks++;
    d->live_bytes += b->size;
    d->any_stack |= b->stack != NULL;
    consider_largest(d, b);
    if (c->count == c->capacity)
        return;
    c->blocks[c->count] = *b;
    c->entries[c->count] = (struct hs_scan_entry){
        .start = b->address,
        .end = b->address + (b->size ? b->size : 1),
        .extent_start = b->extent_start ? b->extent_start : b->address,
        .extent_end = b->extent_end ? b->extent_end : b->address + b->size,
        .index = (uint32_t)c->count,
        .ignored = b->ignored,
    };
    c->count++;
}

static bool report_order_less(const void *a, const void *b)
{
    const struct hs_leak_group *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind;
    return x->bytes > y->bytes;
}

/* Merges blocks of one kind and stack through a table keyed by both (stacks
 * are 8-byte aligned, so the kind fits in the low bits), then orders the
 * groups for the report. */
static void build_groups(struct hs_report_data *d, const struct collection *c)
{
    struct group_slot {
        uintptr_t key;
        size_t group;
    };
    struct hs_table by_key = HS_TABLE_INIT(struct group_slot);
    size_t n = 0;
    for (size_t i = 0; i < c->count; i++) {
        const struct hs_scan_entry *e = &c->entries[i];
        const struct hs_block *b = &c->blocks[e->index];
        uintptr_t key = (b->stack ? (uintptr_t)b->stack : 8) | e->kind;
        struct group_slot *slot = hs_table_insert(&by_key, key);
        if (!slot) { /* out of memory: the block is still counted */
            d->kinds[e->kind].bytes += b->size;
            d->kinds[e->kind].blocks++;
            continue;
        }
        if (slot->group == 0) {
            d->groups[n] = (struct hs_leak_group){(enum hs_leak_kind)e->kind, b->stack, 0, 0, -1};
            slot->group = ++n;
        }
        struct hs_leak_group *g = &d->groups[slot->group - 1];
        g->bytes += b->size;
        g->blocks++;
    }
    hs_table_free(&by_key);
    for (size_t i = 0; i < n; i++) {
        struct hs_leak_group *g = &d->groups[i];
        if (g->kind != HS_REACHABLE)
            g->suppression = hs_suppression_match(g->stack);
        struct hs_tally *t = g->suppression >= 0 ? &d->suppressed : &d->kinds[g->kind];
        t->bytes += g->bytes;
        t->blocks += g->blocks;
    }
    hs_sort(d->groups, n, sizeof *d->groups, report_order_less);
    d->group_count = n;
}

static void *map_array(size_t count, size_t size) { return hs_region_map(count * size); }

void hs_leaks_gather(struct hs_report_data *d, const struct hs_backend *backend,
                     uintptr_t stack_boundary)
{
    struct collection c = {.d = d};
    struct hs_world world;
    /* No block comes or goes while we look, and no thread moves a pointer:
     * the heap's locks first, so that no thread is stopped holding one. */
    backend->freeze();
    hs_world_stop(&world);
    backend->for_each_block(count_block, &c);
    size_t mapped = c.capacity;
    if (mapped) {
        c.blocks = map_array(mapped, sizeof *c.blocks);
        c.entries = map_array(mapped, sizeof *c.entries);
        if (!c.blocks || !c.entries)
            c.capacity = 0; /* out of memory: count, but do not classify */
    }
    backend->for_each_block(collect_block, &c);
    d->classified =
        c.count == d->live_blocks && hs_scan(c.entries, c.count, stack_boundary, &world);
    d->threads_running = world.made ? world.unstopped : 1;
    hs_world_resume(&world);
    backend->thaw();

    if (d->classified && c.count) {
        d->groups = map_array(c.count, sizeof *d->groups);
        if (d->groups)
            build_groups(d, &c);
        else
            d->classified = false;
    }
    if (c.blocks)
        hs_region_unmap(c.blocks, mapped * sizeof *c.blocks);
    if (c.entries)
        hs_region_unmap(c.entries, mapped * sizeof *c.entries);
}

void hs_leaks_release(struct hs_report_data *d)
{
    if (d->groups)
        hs_region_unmap(d->groups, d->live_blocks * sizeof *d->groups);
    d->groups = NULL;
}
