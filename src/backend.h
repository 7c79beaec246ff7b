/* The backend interface: what every allocator behind the entry points offers,
 * in the spirit of Zig's std.mem.Allocator vtable. The entry points do the
 * argument checking (overflow, alignment validity, errno); a backend sees
 * only well-formed requests:
 *   - size is at most HS_MAX_REQUEST, so a backend may round it up freely;
 *   - align is a power of two, at least HS_MIN_ALIGN and at most
 *     HS_MAX_ALIGN;
 *   - the pointer given to resize/remap/free/usable_size is either one the
 *     backend returned or something the program invented: the backend must
 *     detect the latter where it can and report it, never crash on it.
 * Wrappers (stats, limit, fail, trace) implement the same interface and pass
 * each call to the one beneath. */
#ifndef HS_BACKEND_H
#define HS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HS_MIN_ALIGN 16
#define HS_MAX_ALIGN ((size_t)1 << 40)
/* Larger requests fail with ENOMEM before reaching a backend: no rounding
 * inside a backend can overflow. */
#define HS_MAX_REQUEST ((size_t)1 << 46)

/* Which family of functions made or releases a block; a backend that tracks
 * it can report mismatched pairs (new[] released by free, and so on). */
enum hs_alloc_kind {
    HS_KIND_MALLOC,   /* malloc, calloc, realloc, the aligned C functions */
    HS_KIND_NEW,      /* operator new and delete */
    HS_KIND_NEW_ARRAY /* operator new[] and delete[] */
};

struct hs_stack;

/* A live block, as a backend describes it to the report service. */
struct hs_block {
    uintptr_t address;
    size_t size; /* bytes requested */
    enum hs_alloc_kind kind;
    bool guarded;
    bool ignored;                 /* never reported as a leak */
    uint32_t thread;              /* number of the allocating thread, 0 unknown */
    const struct hs_stack *stack; /* allocation stack, or NULL */
    /* All the memory the backend keeps for the block (redzones, slack,
     * guard): never a root for the reachability scan. */
    uintptr_t extent_start, extent_end;
};

/* Where an address falls relative to a block the backend knows. */
enum hs_relation {
    HS_INSIDE,       /* within [address, address + size) */
    HS_PAST_END,     /* at or after address + size, in the block's guard */
    HS_BEFORE_START, /* before address, in the block's guard */
    HS_IN_FREED      /* inside a block already freed */
};

struct hs_place {
    struct hs_block block;
    enum hs_relation relation;
    size_t distance; /* bytes past the end or before the start, or offset */
    /* A freed block: where it was freed, when the backend records it. The
     * caller zeroes *out, so a backend that does not leaves them so. */
    const struct hs_stack *free_stack;
    uint32_t free_thread;
};

/* Sets where addr falls relative to out->block, which is filled in. */
static inline void hs_place_relate(struct hs_place *out, uintptr_t addr, bool freed)
{
    const struct hs_block *b = &out->block;
    if (freed) {
        out->relation = HS_IN_FREED;
        out->distance = addr >= b->address ? addr - b->address : 0;
    } else if (addr >= b->address + b->size) {
        out->relation = HS_PAST_END;
        out->distance = addr - (b->address + b->size);
    } else if (addr < b->address) {
        out->relation = HS_BEFORE_START;
        out->distance = b->address - addr;
    } else {
        out->relation = HS_INSIDE;
        out->distance = addr - b->address;
    }
}

#define HS_NOT_LIVE SIZE_MAX

/* What a backend tells the exit report beyond its blocks. */
struct hs_backend_facts {
    bool classifies_reachability;
    size_t quarantined_blocks;
    size_t quarantined_bytes;
    size_t unguarded_blocks; /* page: served from packed pages, unguarded */
    size_t map_count_limit;  /* page: vm.max_map_count when that happened */
    const char *note;        /* what the report must say it cannot know, or NULL */
};

typedef void hs_block_visitor(const struct hs_block *block, void *ctx);

struct hs_backend {
    const char *name;
    /* Misuse faults at once (guard pages): the shim then diagnoses SIGSEGV
     * with locate, from its signal handler. */
    bool faults;
    /* Every block keeps its allocation stack: the program already pays for
     * stack capture, so a wrapper may record stacks of its own too. */
    bool records_stacks;
    /* Called once the configuration is read, before the first block is
     * served; it must not allocate. NULL if nothing is needed. */
    void (*init)(void);
    /* Called from the shim's constructor, where loading libraries and
     * allocating are safe. NULL if nothing is needed. */
    void (*start)(void);
    /* NULL when out of memory (the entry point sets errno). zero: the
     * block must read as zeros (calloc); fresh pages need no memset. */
    void *(*alloc)(size_t size, size_t align, enum hs_alloc_kind kind, bool zero);
    /* realloc of a live block (old_usable: its usable size) to new_size,
     * 0 < new_size: the block at its new place, or NULL with the block left
     * as it was. A backend may leave it NULL: the entry points then build it
     * from resize, remap, alloc and free (and only then use those two). */
    void *(*realloc)(void *ptr, size_t old_usable, size_t new_size);
    /* Changes the block's size without moving it; false if it cannot. */
    bool (*resize)(void *ptr, size_t new_size);
    /* Moves the block to fit new_size by a cheaper means than copying (such
     * as mremap); NULL if it cannot, and the block is left as it was. */
    void *(*remap)(void *ptr, size_t new_size);
    /* kind: how the program released it. ptr is never NULL. */
    void (*free)(void *ptr, enum hs_alloc_kind kind);
    /* Bytes usable from ptr; HS_NOT_LIVE for anything but a live block. */
    size_t (*usable_size)(const void *ptr);
    /* ptr, given to `call`, is not a live block (usable_size said so):
     * report the error that fits (freed before, or never allocated). */
    void (*report_invalid)(void *ptr, const char *call);
    /* Calls visit for every live block. The caller holds the backend still
     * (freeze) meanwhile, so visit must not allocate. */
    void (*for_each_block)(hs_block_visitor *visit, void *ctx);
    /* Says which block, live or freed and still remembered, addr belongs
     * to: for a fault diagnosis, and for heapshim_print_stack. A backend
     * that `faults` is asked from a signal handler, so it must then not
     * block forever. NULL when the backend cannot tell. */
    bool (*locate)(uintptr_t addr, struct hs_place *out);
    /* Marks the live block that starts at ptr as never a leak (it becomes a
     * root, like LeakSanitizer's ignored objects); false if ptr is not the
     * start of a live block. NULL when the backend cannot mark blocks. */
    bool (*ignore)(const void *ptr);
    /* Checks every live block for damage (redzones), reporting each damaged
     * one; returns how many were. NULL when the backend cannot tell. */
    size_t (*check_all)(void);
    /* Walks every structure the backend keeps (pages, free lists, tables,
     * counts) and checks each against the invariants its header states,
     * failing with HS_ASSERT at the first broken one. Costly: called only
     * in builds with HS_EXPENSIVE (check.h). The caller holds the heap
     * still (freeze). NULL when the backend has nothing to check. */
    void (*validate)(void);
    /* Returns free memory to the kernel (malloc_trim); true if any was. */
    bool (*trim)(void);
    /* Facts about the backend's state for the exit report. */
    void (*facts)(struct hs_backend_facts *out);
    /* Holds the heap still until thaw: no block comes or goes, so that
     * for_each_block sees one state. A thread that calls in meanwhile
     * waits; the freezing thread itself must not allocate. */
    void (*freeze)(void);
    void (*thaw)(void);
    /* fork(): take every lock before, release after in the parent, and make
     * the state consistent for the single thread of the child. */
    void (*fork_prepare)(void);
    void (*fork_parent)(void);
    void (*fork_child)(void);
};

/* The backend a configuration id names (config.h); every one is built. */
const struct hs_backend *hs_backend_get(int backend_id);

extern const struct hs_backend hs_page_backend;
extern const struct hs_backend hs_debug_backend;
/* free_small_blocks false: HEAPSHIM_ARENA_FREE=0, small frees only mark. */
const struct hs_backend *hs_arena_backend(bool free_small_blocks);
extern const struct hs_backend hs_libc_backend;

#endif
