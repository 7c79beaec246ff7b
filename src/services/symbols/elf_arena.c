/* Symbolizer memory: region mappings only, so the reachability scan never
 * takes these tables for roots and the program's heap is never touched. */
#include "services/symbols/elf_arena.h"

#include <stdint.h>
#include <string.h>

#include "services/mem/regions.h"

#define CHUNK (64 * 1024)

void *hs_arena_alloc(struct hs_arena *a, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    if (size == 0 || size > SIZE_MAX / 2)
        return NULL;
    if (size > CHUNK / 4) /* a big one gets its own mapping */
        return hs_region_map(size);
    if (!a->chunk || a->capacity - a->used < size) {
        char *fresh = hs_region_map(CHUNK);
        if (!fresh)
            return NULL;
        a->chunk = fresh;
        a->used = 0;
        a->capacity = CHUNK;
    }
    void *p = a->chunk + a->used;
    a->used += size;
    return p;
}

const char *hs_arena_strndup(struct hs_arena *a, const char *s, size_t n)
{
    if (n >= SIZE_MAX / 2)
        return NULL;
    char *copy = hs_arena_alloc(a, n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

bool hs_array_reserve(void **items, size_t *capacity, size_t item_size, size_t needed)
{
    if (needed <= *capacity)
        return true;
    size_t bigger = *capacity ? *capacity : 256;
    while (bigger < needed) {
        if (bigger > SIZE_MAX / 2)
            return false;
        bigger *= 2;
    }
    if (bigger > SIZE_MAX / item_size)
        return false;
    void *fresh = *items ? hs_region_remap(*items, *capacity * item_size, bigger * item_size)
                         : hs_region_map(bigger * item_size);
    if (!fresh)
        return false;
    *items = fresh;
    *capacity = bigger;
    return true;
}

void hs_array_free(void **items, size_t *capacity, size_t item_size)
{
    if (*items)
        hs_region_unmap(*items, *capacity * item_size);
    *items = NULL;
    *capacity = 0;
}
