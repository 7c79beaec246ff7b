/* Shared by the entry points: the active allocator (the top of the wrapper
 * chain, or the backend itself) and the checked allocation every exported
 * function goes through. */
#ifndef HS_ENTRY_H
#define HS_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "../backend.h"

#define HS_EXPORT __attribute__((visibility("default")))

extern const struct hs_backend *hs_active;

/* Initialises the shim on the first call, from whichever thread makes it. */
const struct hs_backend *hs_init(void);

static inline const struct hs_backend *hs_allocator(void)
{
    const struct hs_backend *b = __atomic_load_n(&hs_active, __ATOMIC_ACQUIRE);
    return __builtin_expect(b != NULL, 1) ? b : hs_init();
}

/* Allocates size bytes aligned to align; NULL with errno ENOMEM when the
 * request is impossible (an alignment that is not a power of two among
 * them) or memory is exhausted. */
void *hs_allocate(size_t size, size_t align, enum hs_alloc_kind kind, bool zero);
void hs_release(void *ptr, enum hs_alloc_kind kind);

/* The backend with a realloc: itself if it has one, else a copy whose
 * realloc is built from its other operations. */
const struct hs_backend *hs_with_realloc(const struct hs_backend *backend);

#endif
