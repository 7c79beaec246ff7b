/* The pool: bump allocation from 1 MiB chunks, and a stack of freed blocks
 * per class, in bulk memory that doubles before a block is cut that it
 * could not hold. */
#include "services/mem/pool.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "services/core/check.h"
#include "services/mem/bulk.h"

#define CHUNK_SIZE ((size_t)1 << 20)
#define STACK_MIN 512
_Static_assert(CHUNK_SIZE >= HS_CLASS_MAX_SIZE, "a chunk holds a block of the largest class");

static bool grow(struct hs_free_stack *s)
{
    size_t capacity = s->capacity ? 2 * s->capacity : STACK_MIN;
    void **blocks = hs_bulk_alloc(capacity * sizeof *blocks);
    if (!blocks)
        return false;
    if (s->blocks) {
        memcpy(blocks, s->blocks, s->count * sizeof *blocks);
        hs_bulk_free(s->blocks, s->capacity * sizeof *blocks);
    }
    s->blocks = blocks;
    s->capacity = capacity;
    return true;
}

void *hs_pool_alloc(struct hs_pool *pool, size_t size)
{
    HS_ASSERT(size >= 1 && size <= HS_CLASS_MAX_SIZE);
    unsigned cls = hs_size_class(size);
    struct hs_free_stack *s = &pool->free[cls];
    if (s->count)
        return s->blocks[--s->count];
    if (s->carved == s->capacity && !grow(s))
        return NULL;
    size_t bytes = hs_class_size(cls);
    if ((size_t)(pool->chunk_end - pool->chunk_next) < bytes) {
        char *chunk = hs_bulk_alloc(CHUNK_SIZE);
        if (!chunk)
            return NULL;
        pool->chunk_next = chunk;
        pool->chunk_end = chunk + CHUNK_SIZE;
    }
    void *block = pool->chunk_next;
    pool->chunk_next += bytes;
    s->carved++;
    return block;
}

void hs_pool_free(struct hs_pool *pool, void *block, size_t size)
{
    HS_ASSERT(size >= 1 && size <= HS_CLASS_MAX_SIZE);
    struct hs_free_stack *s = &pool->free[hs_size_class(size)];
    HS_ASSERT(s->count < s->capacity);
    s->blocks[s->count++] = block;
}

void hs_pool_validate(const struct hs_pool *pool)
{
    HS_ASSERT(pool->chunk_next <= pool->chunk_end);
    for (unsigned c = 0; c < HS_CLASS_COUNT; c++) {
        const struct hs_free_stack *s = &pool->free[c];
        HS_ASSERT(s->count <= s->carved && s->carved <= s->capacity);
        for (size_t i = 0; i < s->count; i++)
            HS_ASSERT(s->blocks[i] && (uintptr_t)s->blocks[i] % 16 == 0);
    }
}
