/* Stack capture: the return addresses of the calls that led to the shim,
 * innermost first, with the shim's own frames left out.
 *
 * The walk uses the unwind tables (libgcc's _Unwind_Backtrace, which finds
 * them through the loader's _dl_find_object), since distribution binaries are
 * mostly built without frame pointers. libgcc_s is loaded only when a backend
 * that records stacks enables capture, from the constructor; allocations
 * made before that, while the loader and libc start, get empty stacks. */
#ifndef HS_STACK_H
#define HS_STACK_H

#include <stdint.h>

#define HS_STACK_MAX 64

/* Loads the unwinder; called once, outside the allocation path. */
void hs_stack_enable(void);

/* Fills pcs with up to max return addresses and returns how many. */
unsigned hs_stack_capture(uintptr_t *pcs, unsigned max);

#endif
