/* Regions: the memory the shim keeps for itself (tables, pools, the stack
 * depot, its own static data). The reachability scan must never take them
 * for roots, since they hold the addresses of every block; so every such
 * mapping is made through here and recorded. */
#ifndef HS_REGIONS_H
#define HS_REGIONS_H

#include <stddef.h>
#include <stdint.h>

/* A readable, writable private mapping, recorded; NULL on failure. */
void *hs_region_map(size_t len);
void hs_region_unmap(void *addr, size_t len);
/* Resizes a region, moving it if need be (its pages move, nothing is
 * copied); NULL on failure, the region then unchanged. */
void *hs_region_remap(void *addr, size_t old_len, size_t new_len);
/* Records memory the shim did not map itself (its own .data and .bss). */
void hs_region_add(uintptr_t start, uintptr_t end);

typedef void hs_region_visitor(uintptr_t start, uintptr_t end, void *ctx);
/* Visits every region, in no particular order; visit must not map or
 * unmap. */
void hs_region_for_each(hs_region_visitor *visit, void *ctx);

/* fork(): the registry's lock is held across it. */
void hs_region_fork_prepare(void);
void hs_region_fork_release(void);

#endif
