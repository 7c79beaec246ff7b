/* The map cache: mappings of freed large blocks kept for reuse, so that a
 * program that allocates and frees large blocks again and again does not
 * map, fault in and unmap fresh pages each time. Mapping lengths are
 * rounded up to size classes (eight per doubling), so a freed mapping fits
 * the next request of its class. Bounded in bytes and in count, the oldest
 * going back to the kernel first. The mappings are regions. Thread-safe. */
#ifndef HS_MAPCACHE_H
#define HS_MAPCACHE_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the mapping that holds `need` bytes. */
size_t hs_mapcache_length(size_t need);
/* A mapping of len bytes (from hs_mapcache_length); *zeroed says whether
 * it reads as zeros. When the kernel refuses a new mapping, the cached ones
 * go back to it and the mapping is asked for once more; NULL if it is
 * still refused. */
void *hs_mapcache_get(size_t len, bool *zeroed);
/* Gives a mapping back: kept for reuse, or unmapped. */
void hs_mapcache_put(void *p, size_t len);

/* fork(): the cache's lock is held across it. */
void hs_mapcache_fork_prepare(void);
void hs_mapcache_fork_release(void);

#endif
