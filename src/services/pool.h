/* The pool: small blocks packed into shared pages, by size class, with no
 * guard and no per-block mapping. The page backend serves from it when
 * guarding every block would exhaust the kernel's map count. Freed blocks are
 * threaded onto a list per class. Not thread-safe: the owner locks. */
#ifndef HS_POOL_H
#define HS_POOL_H

#include <stddef.h>

#include "sizeclass.h"

struct hs_pool {
    void *free_list[HS_CLASS_COUNT];
    char *chunk_next;     /* bump region of the current chunk */
    char *chunk_end;
};

/* size: 1 to HS_CLASS_MAX_SIZE; blocks are 16-byte aligned. NULL when the
 * kernel gives no more memory. */
void *hs_pool_alloc(struct hs_pool *pool, size_t size);
/* size: as given to hs_pool_alloc for this block. */
void hs_pool_free(struct hs_pool *pool, void *block, size_t size);

#endif
