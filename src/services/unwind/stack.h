/* Stack capture: the return addresses of the calls that led to the shim,
 * innermost first, with the shim's own frames left out.
 *
 * The walk follows the call frame information of every function (cfi.h),
 * since distribution binaries are mostly built without frame pointers, and
 * caches the rule of each return address it meets, so a capture is mostly
 * a handful of loads per frame. It needs no library beyond the loader and
 * works from the very first allocation. */
#ifndef HS_STACK_H
#define HS_STACK_H

#include <stdbool.h>
#include <stdint.h>

#define HS_STACK_MAX 64
/* Frames kept when HEAPSHIM_STACK_DEPTH is not set. */
#define HS_STACK_DEFAULT 16

/* Fills pcs with up to max return addresses and returns how many. */
unsigned hs_stack_capture(uintptr_t *pcs, unsigned max);

/* The stack of an interrupted context, a signal handler's ucontext_t: the
 * interrupted instruction's address first, then the return addresses above
 * it, the shim's frames included. May fault on a stack the program broke. */
unsigned hs_stack_capture_context(const void *context, uintptr_t *pcs, unsigned max);

/* True if pc lies in the shim's own mapping. */
bool hs_stack_in_shim(uintptr_t pc);

struct hs_stack;
/* The stack of the calling thread, up to depth frames, stored in the depot
 * (depot.h); NULL when depth is 0. */
const struct hs_stack *hs_stack_record(unsigned depth);

#endif
