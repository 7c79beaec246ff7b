/* Bulk memory: where the shim's own growing structures (block tables, pool
 * chunks, the stack depot, the quarantine) get their memory, in power-of-two
 * sizes from 4 KiB. Requests below 2 MiB are carved from 2 MiB chunks and
 * recycled through a free list per size; larger ones are mappings of their
 * own. From the second chunk on, and for every large mapping, the kernel is
 * asked for transparent huge pages: touching fresh memory then costs one
 * page fault per 2 MiB instead of one per 4 KiB, and faults are most of what
 * a debug allocator pays for memory it has not used before. A process that
 * needs little keeps to small pages. All of it is region memory (never a
 * root for the reachability scan). Thread-safe. */
#ifndef HS_BULK_H
#define HS_BULK_H

#include <stddef.h>

/* len bytes (rounded up to a power of two), zeroed; NULL when the kernel
 * gives no more memory. */
void *hs_bulk_alloc(size_t len);
/* len: as given to hs_bulk_alloc. */
void hs_bulk_free(void *p, size_t len);

/* fork(): the bulk lock is held across it. */
void hs_bulk_fork_prepare(void);
void hs_bulk_fork_release(void);

#endif
