/* The expensive check (backend.h's validate): every invariant debug.h
 * states, checked against every record in the tables, every record in the
 * quarantine and every slot free in a pool, failing with HS_ASSERT at the
 * first broken one. Not the fill patterns: damage to them is the
 * program's error, which check_all reports. The caller holds the backend
 * still (freeze), so no lock is taken here.
 *
 * That no two slots overlap (so no block is both live and quarantined, and
 * no slot both held and free) is seen in the list of every slot, held or
 * free, sorted by address. The list takes bulk memory; without it, that
 * check alone is skipped. */
#include "backends/debug/debug.h"
#include "services/core/check.h"
#include "services/core/os.h"
#include "services/mem/bulk.h"
#include "services/mem/mapcache.h"
#include "services/mem/sizeclass.h"
#include "services/mem/sort.h"

/* A slot, [start, end). */
struct extent {
    uintptr_t start, end;
};

struct extents {
    struct extent *items; /* NULL: no memory for the list */
    size_t count, capacity;
};

static void add_extent(struct extents *list, uintptr_t start, size_t len)
{
    if (!list->items)
        return;
    HS_ASSERT(list->count < list->capacity);
    list->items[list->count++] = (struct extent){start, start + len};
}

/* What holds for a record in a table or in the quarantine: in the shard
 * its address hashes to, its slot holding it, from a pool or mapped. */
static void check_record(const struct debug_block *b, size_t shard)
{
    HS_ASSERT(b->ptr != 0 && hs_shard_index(b->ptr) == shard);
    HS_ASSERT(holds_block(b));
    HS_ASSERT(b->state == LIVE || b->state == FREED);
    HS_ASSERT(b->kind <= HS_KIND_NEW_ARRAY);
    if (b->pool == MAPPED) {
        HS_ASSERT(b->slot % hs_os_page_size() == 0);
        HS_ASSERT(hs_mapcache_length(b->slot_size) == b->slot_size);
    } else {
        HS_ASSERT(b->pool < POOLS && b->slot % HS_MIN_ALIGN == 0);
        HS_ASSERT(b->slot_size <= HS_CLASS_MAX_SIZE &&
                  hs_class_size(hs_size_class(b->slot_size)) == b->slot_size);
    }
}

/* A shard's table: every record found where a lookup of its address
 * looks, and as many as the table counts. A FREED record may be there: its
 * free is under way. */
static void check_table(size_t shard, struct extents *list)
{
    const struct hs_table *table = &hs_debug_records.shard[shard].table;
    size_t cursor = 0, count = 0;
    const struct debug_block *b;
    while ((b = hs_table_next(table, &cursor))) {
        check_record(b, shard);
        HS_ASSERT(hs_table_find(table, b->ptr) == b);
        add_extent(list, b->slot, b->slot_size);
        count++;
    }
    HS_ASSERT(count == table->count);
}

/* A quarantined record: FREED, and not in the table as well. */
static void check_quarantined(const struct debug_block *b, size_t shard, void *list)
{
    check_record(b, shard);
    HS_ASSERT(b->state == FREED);
    HS_ASSERT(!hs_table_find(&hs_debug_records.shard[shard].table, b->ptr));
    add_extent(list, b->slot, b->slot_size);
}

static void add_free_slot(uintptr_t slot, size_t len, void *list)
{
    HS_ASSERT(slot % HS_MIN_ALIGN == 0);
    add_extent(list, slot, len);
}

static void count_free_slot(uintptr_t slot, size_t len, void *count)
{
    (void)slot, (void)len;
    ++*(size_t *)count;
}

static bool starts_before(const void *a, const void *b)
{
    return ((const struct extent *)a)->start < ((const struct extent *)b)->start;
}

static void check_no_overlap(struct extents *list)
{
    hs_sort(list->items, list->count, sizeof *list->items, starts_before);
    for (size_t i = 1; i < list->count; i++)
        HS_ASSERT(list->items[i - 1].end <= list->items[i].start);
}

void hs_debug_validate(void)
{
    struct extents list = {NULL, 0, QUARANTINE_SLOTS};
    for (size_t shard = 0; shard < HS_SHARD_COUNT; shard++)
        list.capacity += hs_debug_records.shard[shard].table.count;
    hs_debug_for_each_free_slot(count_free_slot, &list.capacity);
    size_t list_bytes = list.capacity * sizeof *list.items;
    list.items = hs_bulk_alloc(list_bytes);

    for (size_t shard = 0; shard < HS_SHARD_COUNT; shard++)
        check_table(shard, &list);
    hs_debug_validate_quarantine(check_quarantined, &list);
    hs_debug_for_each_free_slot(add_free_slot, &list);
    if (list.items) {
        check_no_overlap(&list);
        hs_bulk_free(list.items, list_bytes);
    }
}
