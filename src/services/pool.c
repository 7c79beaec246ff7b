/* The pool: bump allocation from 1 MiB chunks, and a free list per class. */
#include "pool.h"

#include "regions.h"

#define CHUNK_SIZE ((size_t)1 << 20)

void *hs_pool_alloc(struct hs_pool *pool, size_t size)
{
    unsigned cls = hs_size_class(size);
    void *block = pool->free_list[cls];
    if (block) {
        pool->free_list[cls] = *(void **)block;
        return block;
    }
    size_t bytes = hs_class_size(cls);
    if ((size_t)(pool->chunk_end - pool->chunk_next) < bytes) {
        char *chunk = hs_region_map(CHUNK_SIZE);
        if (!chunk)
            return NULL;
        pool->chunk_next = chunk;
        pool->chunk_end = chunk + CHUNK_SIZE;
    }
    block = pool->chunk_next;
    pool->chunk_next += bytes;
    return block;
}

void hs_pool_free(struct hs_pool *pool, void *block, size_t size)
{
    unsigned cls = hs_size_class(size);
    *(void **)block = pool->free_list[cls];
    pool->free_list[cls] = block;
}
