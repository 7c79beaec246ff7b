/* An out-of-band table of blocks: open addressing with linear probing, keyed
 * by a block's address, with entries of a size the user chooses (each one
 * starts with its uintptr_t key; key 0 marks an empty slot). Its storage comes
 * straight from mmap, so a corrupted heap cannot corrupt it. Not thread-safe:
 * the owner locks. */
#ifndef HS_TABLE_H
#define HS_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct hs_table {
    char *slots;
    size_t entry_size;
    size_t capacity; /* a power of two, or 0 before the first insert */
    unsigned capacity_bits;
    size_t count;
};

#define HS_TABLE_INIT(type) \
    { \
        NULL, sizeof(type), 0, 0, 0 \
    }

void *hs_table_find(const struct hs_table *t, uintptr_t key);
/* Asks the processor to fetch the slot where a search for key starts, so
 * that a find or insert a little later need not wait for memory. A hint:
 * safe without the owner's lock. */
void hs_table_prefetch(const struct hs_table *t, uintptr_t key);
/* Returns the entry for key, new (zeroed but for the key) or existing; NULL
 * when the table cannot grow. */
void *hs_table_insert(struct hs_table *t, uintptr_t key);
void hs_table_remove(struct hs_table *t, void *entry);
/* Gives the table's storage back; the table is empty again. */
void hs_table_free(struct hs_table *t);
/* Iteration: start with *cursor = 0; returns NULL at the end. */
void *hs_table_next(const struct hs_table *t, size_t *cursor);
/* The expensive check (check.h): the count, the fill bound, and every entry
 * found from its home slot; fails with HS_ASSERT. */
void hs_table_validate(const struct hs_table *t);

#endif
