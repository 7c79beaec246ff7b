/* Memory for the symbolizer's tables and strings, taken from the shim's own
 * regions (never the program's heap): a bump arena for strings that live as
 * long as the process, and arrays grown by doubling. Not thread-safe: the
 * symbolizer calls these under its lock. */
#ifndef HS_ELF_ARENA_H
#define HS_ELF_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct hs_arena {
    char *chunk;
    size_t used, capacity;
};

/* size bytes aligned to 8, kept for the life of the process; NULL when out
 * of memory. */
void *hs_arena_alloc(struct hs_arena *a, size_t size);

/* A NUL-terminated copy of the first n bytes of s, or NULL. */
const char *hs_arena_strndup(struct hs_arena *a, const char *s, size_t n);

/* Makes room for needed items of item_size in *items (capacity *capacity),
 * moving them to a bigger mapping when needed; false when out of memory
 * (the array is then unchanged). */
bool hs_array_reserve(void **items, size_t *capacity, size_t item_size, size_t needed);

/* Returns an array's memory. */
void hs_array_free(void **items, size_t *capacity, size_t item_size);

#endif
