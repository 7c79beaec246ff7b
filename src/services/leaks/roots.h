/* The roots of the reachability scan: the process's writable private
 * mappings, as /proc/self/maps lists them, less
 *   - the shim's own memory (regions.h);
 *   - the calling thread's stack below the boundary its caller gives (the
 *     shim's own frames), and every other live thread's stack below its
 *     stack pointer (dead frames, whose stale pointers would hide leaks),
 *     known for a thread the world's stop stopped (stop.h), else only when
 *     it is blocked in a system call;
 *   - the stacks glibc keeps cached from ended threads, when every running
 *     thread is known to the thread registry (so none can be running on
 *     one unseen);
 *   - pages never touched (/proc/self/pagemap says neither present nor
 *     swapped): they read as zeros, and reading one would fault it in,
 *     which on a mostly unused 8 MiB thread stack costs more than the rest
 *     of the scan. */
#ifndef HS_ROOTS_H
#define HS_ROOTS_H

#include <stdbool.h>
#include <stdint.h>

struct hs_world;

typedef void hs_root_visitor(uintptr_t from, uintptr_t to, void *ctx);

/* Calls visit for each root range, in address order. world: the other
 * threads as the stop left them (their registers are not visited here).
 * False if the mappings cannot be read (no /proc). visit must not map or
 * unmap. */
bool hs_roots_visit(uintptr_t stack_boundary, const struct hs_world *world, hs_root_visitor *visit,
                    void *ctx);

#endif
