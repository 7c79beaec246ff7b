/* Regions: an unordered array of [start, end) ranges, grown by doubling. */
#include "services/mem/regions.h"

#include <stdbool.h>
#include <string.h>

#include "services/core/check.h"
#include "services/core/lock.h"
#include "services/core/os.h"

struct range {
    uintptr_t start, end;
};

static hs_lock lock = HS_LOCK_INIT;
static struct range *ranges;
static size_t count, capacity;

/* Lock held. */
static bool add_locked(uintptr_t start, uintptr_t end)
{
    if (count == capacity) {
        size_t bigger = capacity ? capacity * 2 : 256;
        struct range *grown = hs_os_map(bigger * sizeof *grown, false);
        if (!grown)
            return false;
        if (ranges) {
            memcpy(grown, ranges, count * sizeof *grown);
            hs_os_unmap(ranges, capacity * sizeof *ranges);
        }
        ranges = grown;
        capacity = bigger;
    }
    HS_ASSERT(count < capacity && start < end);
    ranges[count++] = (struct range){start, end};
    return true;
}

void *hs_region_map(size_t len)
{
    void *p = hs_os_map(len, false);
    if (!p)
        return NULL;
    hs_lock_acquire(&lock);
    bool recorded = add_locked((uintptr_t)p, (uintptr_t)p + len);
    hs_lock_release(&lock);
    if (!recorded) {
        hs_os_unmap(p, len);
        return NULL;
    }
    return p;
}

void hs_region_add(uintptr_t start, uintptr_t end)
{
    hs_lock_acquire(&lock);
    add_locked(start, end);
    hs_lock_release(&lock);
}

void hs_region_unmap(void *addr, size_t len)
{
    hs_lock_acquire(&lock);
    size_t i = 0;
    while (i < count && ranges[i].start != (uintptr_t)addr)
        i++;
    HS_ASSERT(i < count); /* else the scan would take live blocks' pointers for roots */
    ranges[i] = ranges[--count];
    hs_lock_release(&lock);
    hs_os_unmap(addr, len);
}

void *hs_region_remap(void *addr, size_t old_len, size_t new_len)
{
    hs_lock_acquire(&lock); /* a scan must not see the new range unrecorded */
    void *p = hs_os_remap(addr, old_len, new_len);
    for (size_t i = 0; p && i < count; i++) {
        if (ranges[i].start == (uintptr_t)addr) {
            ranges[i] = (struct range){(uintptr_t)p, (uintptr_t)p + new_len};
            break;
        }
    }
    hs_lock_release(&lock);
    return p;
}

void hs_region_for_each(hs_region_visitor *visit, void *ctx)
{
    hs_lock_acquire(&lock);
    if (ranges) { /* none are recorded before the table exists */
        visit((uintptr_t)ranges, (uintptr_t)(ranges + capacity), ctx);
        for (size_t i = 0; i < count; i++)
            visit(ranges[i].start, ranges[i].end, ctx);
    }
    hs_lock_release(&lock);
}

void hs_region_fork_prepare(void) { hs_lock_acquire(&lock); }

void hs_region_fork_release(void) { hs_lock_release(&lock); }
