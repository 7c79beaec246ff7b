/* The libc backend: every call goes to glibc's own allocator, through the
 * __libc_malloc family it exports for this purpose (as Zig's c_allocator
 * does), so a program keeps the system allocator's exact behaviour and still
 * gets the wrappers over it.
 *
 * glibc keeps its blocks to itself: they cannot be enumerated, so the exit
 * report says so instead of calling anything lost. Misuse is glibc's to
 * detect, as it would be without the shim; the one thing checked here is
 * that a pointer has the alignment every glibc block has, so that glibc is
 * never asked the size of something it cannot have returned. glibc's own
 * fork handling keeps its arenas consistent across fork(). */
#define _GNU_SOURCE
#include <string.h>

#include "backend.h"
#include "services/core/check.h"
#include "services/core/thread.h"
#include "services/report/errors.h"
#include "services/symbols/object_symbol.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);

/* glibc exports these two only under the names the shim takes over, so they
 * are looked up in glibc itself: the object that defines __libc_malloc. Not
 * "the next definition after the shim" (RTLD_NEXT): a program linked with
 * another allocator (Debian's redis links libjemalloc) has that allocator's
 * malloc_usable_size next, and it must never be asked about glibc's blocks.
 * The lookup allocates nothing (dlopen would, through the wrappers). */
static size_t (*glibc_usable_size)(void *ptr);
static int (*glibc_trim)(size_t pad);

static void *glibc_symbol(void **cache, const char *name)
{
    void *f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (!f) {
        f = hs_object_symbol((const void *)__libc_malloc, name);
        HS_ASSERT(f != NULL);
        __atomic_store_n(cache, f, __ATOMIC_RELEASE);
    }
    return f;
}

static void *libc_alloc(size_t size, size_t align, enum hs_alloc_kind kind, bool zero)
{
    (void)kind;
    if (align > HS_MIN_ALIGN) {
        void *p = __libc_memalign(align, size);
        if (p && zero)
            memset(p, 0, size);
        return p;
    }
    return zero ? __libc_calloc(1, size) : __libc_malloc(size);
}

static void *libc_realloc(void *ptr, size_t old_usable, size_t new_size)
{
    (void)old_usable;
    return __libc_realloc(ptr, new_size);
}

static void libc_free(void *ptr, enum hs_alloc_kind kind)
{
    (void)kind;
    __libc_free(ptr);
}

static size_t libc_usable_size(const void *ptr)
{
    if ((uintptr_t)ptr % HS_MIN_ALIGN)
        return HS_NOT_LIVE;
    size_t (*usable)(void *) = glibc_symbol((void **)&glibc_usable_size, "malloc_usable_size");
    return usable((void *)ptr);
}

static void libc_report_invalid(void *ptr, const char *call)
{
    struct hs_error e = {
        .kind = strcmp(call, "realloc") == 0 ? HS_ERR_INVALID_REALLOC : HS_ERR_INVALID_FREE,
        .address = (uintptr_t)ptr,
        .call = call,
        .thread = hs_thread_number(),
    };
    hs_heap_error(&e);
}

static void libc_for_each_block(hs_block_visitor *visit, void *ctx)
{
    (void)visit;
    (void)ctx;
}

static bool libc_trim(void)
{
    int (*trim)(size_t) = glibc_symbol((void **)&glibc_trim, "malloc_trim");
    return trim(0) != 0;
}

static void libc_facts(struct hs_backend_facts *out)
{
    out->note = "the libc backend cannot enumerate glibc's live blocks: none is counted as "
                "in use or lost";
}

/* glibc keeps its own locks and its own fork handlers. */
static void libc_nothing(void) {}

const struct hs_backend hs_libc_backend = {
    .name = "libc",
    .alloc = libc_alloc,
    .realloc = libc_realloc,
    .free = libc_free,
    .usable_size = libc_usable_size,
    .report_invalid = libc_report_invalid,
    .for_each_block = libc_for_each_block,
    .trim = libc_trim,
    .facts = libc_facts,
    .freeze = libc_nothing,
    .thaw = libc_nothing,
    .fork_prepare = libc_nothing,
    .fork_parent = libc_nothing,
    .fork_child = libc_nothing,
};
