/* The map cache: an array of mappings, oldest first. */
#include "services/mem/mapcache.h"

#include <string.h>

#include "services/core/lock.h"
#include "services/core/os.h"
#include "services/mem/regions.h"
#include "services/mem/sizeclass.h"

#define ENTRIES 64
#define BYTES_MAX ((size_t)32 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

struct mapping {
    void *p;
    size_t len;
};

static hs_lock lock = HS_LOCK_INIT;
static struct mapping cached[ENTRIES];
static size_t count, bytes;

size_t hs_mapcache_length(size_t need)
{
    size_t page = hs_os_page_size();
    size_t len = hs_class_size(hs_size_class(need));
    return (len + page - 1) & ~(page - 1);
}

/* Unmaps every cached mapping, for a request the kernel refused; returns
 * whether there was any. */
static bool drop_all(void)
{
    struct mapping dropped[ENTRIES];
    hs_lock_acquire(&lock);
    size_t n = count;
    memcpy(dropped, cached, n * sizeof *cached);
    count = bytes = 0;
    hs_lock_release(&lock);
    for (size_t i = 0; i < n; i++)
        hs_region_unmap(dropped[i].p, dropped[i].len);
    return n > 0;
}

void *hs_mapcache_get(size_t len, bool *zeroed)
{
    hs_lock_acquire(&lock);
    for (size_t i = count; i-- > 0;) {
        if (cached[i].len == len) {
            void *p = cached[i].p;
            memmove(&cached[i], &cached[i + 1], (count - i - 1) * sizeof *cached);
            count--;
            bytes -= len;
            hs_lock_release(&lock);
            *zeroed = false;
            return p;
        }
    }
    hs_lock_release(&lock);
    void *p = hs_region_map(len);
    if (!p && drop_all())
        p = hs_region_map(len);
    if (p && len >= HUGE_PAGE)
        hs_os_advise_huge(p, len);
    *zeroed = true;
    return p;
}

void hs_mapcache_put(void *p, size_t len)
{
    struct mapping evicted[ENTRIES + 1];
    size_t evicted_count = 0;
    hs_lock_acquire(&lock);
    if (len > BYTES_MAX / 4) {
        evicted[evicted_count++] = (struct mapping){p, len};
    } else {
        size_t drop = 0;
        while (count - drop == ENTRIES || bytes + len > BYTES_MAX) {
            bytes -= cached[drop].len;
            evicted[evicted_count++] = cached[drop++];
        }
        memmove(cached, cached + drop, (count - drop) * sizeof *cached);
        count -= drop;
        cached[count++] = (struct mapping){p, len};
        bytes += len;
    }
    hs_lock_release(&lock);
    for (size_t i = 0; i < evicted_count; i++)
        hs_region_unmap(evicted[i].p, evicted[i].len);
}

void hs_mapcache_fork_prepare(void) { hs_lock_acquire(&lock); }

void hs_mapcache_fork_release(void) { hs_lock_release(&lock); }
