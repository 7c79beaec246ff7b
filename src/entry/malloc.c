/* The exported C allocation functions, with glibc's semantics: argument
 * checks, errno, and realloc built from the backend's resize, remap, alloc
 * and free where the backend has no realloc of its own. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "entry/entry.h"
#include "services/core/os.h"
#include "services/core/thread.h"

void *hs_out_of_memory(void)
{
    errno = ENOMEM;
    return NULL;
}

void hs_mark_ignored(const struct hs_backend *b, void *p)
{
    if (hs_thread_ignoring > 0)
        b->ignore(p);
}

HS_EXPORT void *malloc(size_t size)
{
    return hs_allocate(size, HS_MIN_ALIGN, HS_KIND_MALLOC, false);
}

HS_EXPORT void free(void *ptr) { hs_release(ptr, HS_KIND_MALLOC); }

HS_EXPORT void free_sized(void *ptr, size_t size)
{
    (void)size;
    hs_release(ptr, HS_KIND_MALLOC);
}

HS_EXPORT void free_aligned_sized(void *ptr, size_t align, size_t size)
{
    (void)align;
    (void)size;
    hs_release(ptr, HS_KIND_MALLOC);
}

HS_EXPORT void *calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return hs_allocate(total, HS_MIN_ALIGN, HS_KIND_MALLOC, true);
}

/* realloc from the backend's parts, for a backend with no realloc of its
 * own: in place, by remapping, or by copying to a new block. */
static const struct hs_backend *composed_over;

static void *composed_realloc(void *ptr, size_t old_usable, size_t new_size)
{
    const struct hs_backend *b = composed_over;
    if (b->resize(ptr, new_size))
        return ptr;
    void *moved = b->remap ? b->remap(ptr, new_size) : NULL;
    if (moved)
        return moved;
    moved = b->alloc(new_size, HS_MIN_ALIGN, HS_KIND_MALLOC, false);
    if (moved) {
        memcpy(moved, ptr, old_usable < new_size ? old_usable : new_size);
        b->free(ptr, HS_KIND_MALLOC);
    }
    return moved;
}

const struct hs_backend *hs_with_realloc(const struct hs_backend *backend)
{
    static struct hs_backend completed;
    if (backend->realloc)
        return backend;
    composed_over = backend;
    completed = *backend;
    completed.realloc = composed_realloc;
    return &completed;
}

/* realloc of a block, 0 < size; errno ENOMEM when it returns NULL. */
static void *realloc_block(const struct hs_backend *b, void *ptr, size_t size)
{
    size_t old = b->usable_size(ptr);
    if (old == HS_NOT_LIVE) {
        b->report_invalid(ptr, "realloc");
        errno = ENOMEM;
        return NULL;
    }
    void *moved = size <= HS_MAX_REQUEST ? b->realloc(ptr, old, size) : NULL;
    if (!moved)
        errno = ENOMEM;
    return moved;
}

HS_EXPORT void *realloc(void *ptr, size_t size)
{
    if (!ptr)
        return malloc(size);
    if (size == 0) { /* glibc frees and returns NULL */
        free(ptr);
        return NULL;
    }
    const struct hs_backend *b = hs_allocator();
    if (hs_thread_in_shim) {
        hs_reentered_call("realloc", ptr);
        return NULL;
    }
    hs_thread_in_shim = true;
    void *moved = realloc_block(b, ptr, size);
    hs_thread_in_shim = false;
    return moved;
}

HS_EXPORT void *reallocarray(void *ptr, size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(ptr, total);
}

static inline bool is_power_of_two(size_t x) { return x && !(x & (x - 1)); }

HS_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    if (!is_power_of_two(align) || align % sizeof(void *) != 0)
        return EINVAL;
    int saved = errno;
    void *p = hs_allocate(size, align, HS_KIND_MALLOC, false);
    errno = saved;
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

HS_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    if (!is_power_of_two(align)) {
        errno = EINVAL;
        return NULL;
    }
    return hs_allocate(size, align, HS_KIND_MALLOC, false);
}

/* As glibc: an alignment that is not a power of two is rounded up to one. */
HS_EXPORT void *memalign(size_t align, size_t size)
{
    if (align > HS_MAX_ALIGN) {
        errno = EINVAL;
        return NULL;
    }
    while (!is_power_of_two(align))
        align = align ? (align | (align - 1)) + 1 : 1;
    return hs_allocate(size, align, HS_KIND_MALLOC, false);
}

HS_EXPORT void *valloc(size_t size)
{
    return hs_allocate(size, hs_os_page_size(), HS_KIND_MALLOC, false);
}

HS_EXPORT void *pvalloc(size_t size)
{
    size_t page = hs_os_page_size();
    size_t rounded;
    if (__builtin_add_overflow(size, page - 1, &rounded)) {
        errno = ENOMEM;
        return NULL;
    }
    rounded &= ~(page - 1);
    return hs_allocate(rounded ? rounded : page, page, HS_KIND_MALLOC, false);
}

HS_EXPORT size_t malloc_usable_size(void *ptr)
{
    if (!ptr)
        return 0;
    const struct hs_backend *b = hs_allocator();
    if (hs_thread_in_shim)
        return hs_reentered_call("malloc_usable_size", ptr);
    hs_thread_in_shim = true;
    size_t usable = b->usable_size(ptr);
    if (usable == HS_NOT_LIVE) {
        b->report_invalid(ptr, "malloc_usable_size");
        usable = 0;
    }
    hs_thread_in_shim = false;
    return usable;
}
