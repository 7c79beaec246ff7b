/* The block table: linear probing with backward-shift deletion, so there are
 * no tombstones and a lookup stops at the first empty slot. Kept at most
 * two-thirds full. */
#include "services/mem/table.h"

#include <stdbool.h>
#include <string.h>

#include "services/core/check.h"
#include "services/mem/bulk.h"

static inline uintptr_t *slot_key(const struct hs_table *t, size_t i)
{
    return (uintptr_t *)(t->slots + i * t->entry_size);
}

static inline size_t home_slot(const struct hs_table *t, uintptr_t key)
{
    /* Fibonacci hashing: the top bits of the product, which all the key's
     * bits reach. Blocks are 16-byte aligned, so the low four carry none. */
    uint64_t h = (uint64_t)(key >> 4) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> (64 - t->capacity_bits));
}

void *hs_table_find(const struct hs_table *t, uintptr_t key)
{
    if (t->capacity == 0 || key == 0)
        return NULL;
    for (size_t i = home_slot(t, key);; i = (i + 1) & (t->capacity - 1)) {
        uintptr_t *k = slot_key(t, i);
        if (*k == key)
            return k;
        if (*k == 0)
            return NULL;
    }
}

/* Without the lock the fields may be caught mid-growth: the address is
 * then wrong, which a prefetch tolerates (it never faults). */
void hs_table_prefetch(const struct hs_table *t, uintptr_t key)
{
    if (t->capacity)
        __builtin_prefetch(slot_key(t, home_slot(t, key)));
}

static bool grow(struct hs_table *t)
{
    size_t capacity = t->capacity ? t->capacity * 2 : 256;
    char *slots = hs_bulk_alloc(capacity * t->entry_size);
    if (!slots)
        return false;
    struct hs_table bigger = {slots, t->entry_size, capacity, (unsigned)__builtin_ctzll(capacity),
                              0};
    for (size_t i = 0; i < t->capacity; i++) {
        uintptr_t *k = slot_key(t, i);
        if (*k)
            memcpy(hs_table_insert(&bigger, *k), k, t->entry_size);
    }
    if (t->slots)
        hs_bulk_free(t->slots, t->capacity * t->entry_size);
    *t = bigger;
    return true;
}

void *hs_table_insert(struct hs_table *t, uintptr_t key)
{
    if ((t->count + 1) * 3 > t->capacity * 2 && !grow(t))
        return NULL;
    for (size_t i = home_slot(t, key);; i = (i + 1) & (t->capacity - 1)) {
        uintptr_t *k = slot_key(t, i);
        if (*k == key)
            return k;
        if (*k == 0) {
            memset(k, 0, t->entry_size);
            *k = key;
            t->count++;
            return k;
        }
    }
}

void hs_table_remove(struct hs_table *t, void *entry)
{
    size_t mask = t->capacity - 1;
    size_t hole = (size_t)((char *)entry - t->slots) / t->entry_size;
    HS_ASSERT(t->count > 0 && hole < t->capacity && *(uintptr_t *)entry != 0);
    /* Shift back each later entry of the run that may live in the hole. */
    for (size_t i = (hole + 1) & mask;; i = (i + 1) & mask) {
        uintptr_t *k = slot_key(t, i);
        if (*k == 0)
            break;
        size_t home = home_slot(t, *k);
        /* The entry may move to hole if hole lies cyclically in [home, i). */
        if (((i - home) & mask) >= ((i - hole) & mask)) {
            memcpy(slot_key(t, hole), k, t->entry_size);
            hole = i;
        }
    }
    *slot_key(t, hole) = 0;
    t->count--;
}

void *hs_table_next(const struct hs_table *t, size_t *cursor)
{
    while (*cursor < t->capacity) {
        uintptr_t *k = slot_key(t, (*cursor)++);
        if (*k)
            return k;
    }
    return NULL;
}

void hs_table_free(struct hs_table *t)
{
    if (t->slots)
        hs_bulk_free(t->slots, t->capacity * t->entry_size);
    t->slots = NULL;
    t->capacity = t->count = 0;
    t->capacity_bits = 0;
}

void hs_table_validate(const struct hs_table *t)
{
    HS_ASSERT(t->capacity == 0 || t->capacity == (size_t)1 << t->capacity_bits);
    HS_ASSERT(t->count * 3 <= t->capacity * 2);
    size_t cursor = 0, count = 0;
    uintptr_t *k;
    while ((k = hs_table_next(t, &cursor))) {
        HS_ASSERT(hs_table_find(t, *k) == k);
        count++;
    }
    HS_ASSERT(count == t->count);
}
