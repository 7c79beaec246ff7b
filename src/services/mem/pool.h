/* The pool: small blocks packed into shared pages, by size class, with no
 * guard and no per-block mapping. The debug backend takes its slots from
 * it, and the page backend serves from it when guarding every block would
 * exhaust the kernel's map count. Freed blocks wait on a stack per class
 * kept out of band, so reusing one reads nothing from the block itself (a
 * cache miss saved, and nothing a stray write into freed memory can
 * corrupt). A stack has room for every block of its class before the block
 * is handed out, so a free never needs memory, and never loses a block when
 * memory has run out. Not thread-safe: the owner locks. */
#ifndef HS_POOL_H
#define HS_POOL_H

#include <stddef.h>

#include "services/mem/sizeclass.h"

struct hs_free_stack {
    void **blocks;
    size_t count, capacity;
    size_t carved; /* blocks of the class ever cut from chunks */
};

struct hs_pool {
    struct hs_free_stack free[HS_CLASS_COUNT];
    char *chunk_next; /* bump region of the current chunk */
    char *chunk_end;
};

/* size: 1 to HS_CLASS_MAX_SIZE; blocks are 16-byte aligned. NULL when the
 * kernel gives no more memory. */
void *hs_pool_alloc(struct hs_pool *pool, size_t size);
/* size: as given to hs_pool_alloc for this block. Needs no memory. */
void hs_pool_free(struct hs_pool *pool, void *block, size_t size);
/* The expensive check (check.h): each class's stack within its room and
 * its carved blocks, holding aligned blocks; fails with HS_ASSERT. */
void hs_pool_validate(const struct hs_pool *pool);

#endif
