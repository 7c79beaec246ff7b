/* The wrappers: allocators that add one concern (statistics, a limit,
 * injected failures, a call trace) to the allocator beneath them and pass
 * every call down. Each implements the backend interface over the layer
 * given to its hs_*_over, which copies that layer's operations and replaces
 * only those it needs, so what a wrapper does not touch costs nothing. A
 * wrapper that is off is not in the chain at all.
 *
 * hs_chain_build stacks those switched on in one fixed order, outermost
 * first:
 *   trace  records every call as the program made it and what it got back,
 *          failures injected or imposed beneath it included;
 *   stats  counts the program's calls, failed ones included, and the heap
 *          they built;
 *   fail   injects failures, which never reach the limit or the heap;
 *   limit  keeps the backend's live heap within HEAPSHIM_LIMIT, so only the
 *          requests it lets through become blocks;
 *   the backend.
 * Each wrapper's fork handlers take its own locks and then the layer
 * beneath's, so the chain's locks are taken outermost first. */
#ifndef HS_WRAPPERS_H
#define HS_WRAPPERS_H

#include "backend.h"
#include "wrappers/facts.h"

/* From init, once the backend is ready: the allocator the entry points
 * call (the backend itself when every wrapper is off). The backend must
 * have a realloc (hs_with_realloc). */
const struct hs_backend *hs_chain_build(const struct hs_backend *backend);
/* At exit, before the report: writes out what the wrappers still hold. */
void hs_chain_exit(void);

const struct hs_backend *hs_stats_over(const struct hs_backend *below);
void hs_stats_facts(struct hs_stats_facts *out);

const struct hs_backend *hs_limit_over(const struct hs_backend *below);
void hs_limit_facts(struct hs_limit_facts *out);

const struct hs_backend *hs_fail_over(const struct hs_backend *below);
void hs_fail_facts(struct hs_fail_facts *out);

/* Returns below itself when the trace file cannot be opened (said on
 * stderr). */
const struct hs_backend *hs_trace_over(const struct hs_backend *below);
void hs_trace_finish(void);

/* From hs_chain_build, when a wrapper is on: the gate over the chain's top
 * through which the shim's own allocations pass straight to bottom. */
const struct hs_backend *hs_own_over(const struct hs_backend *top, const struct hs_backend *bottom);
/* Around a call into libc that allocates on the shim's behalf, on one
 * thread, not nested: what it allocates is the shim's own (own.c), never
 * seen by a wrapper nor reported as a leak, and so is the later free of
 * that block, whichever thread makes it. */
void hs_own_begin(void);
void hs_own_end(void);

#endif
