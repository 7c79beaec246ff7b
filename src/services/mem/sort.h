/* Sorting without the C library (qsort may allocate): an in-place heapsort,
 * O(n log n) in the worst case and O(1) in memory; and the binary search
 * that goes with it. */
#ifndef HS_SORT_H
#define HS_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* less(a, b): whether a sorts before b. */
void hs_sort(void *base, size_t count, size_t size, bool (*less)(const void *, const void *));

/* Sorts count items of `size` bytes by the 64-bit key at their start,
 * stably, in linear time (a radix sort on the digits where the keys
 * differ). False, with the items untouched, when there is no memory for
 * the scratch copy it needs. */
bool hs_radix_sort(void *items, size_t count, size_t size);

/* In count items of `size` bytes sorted by a 64-bit key at their start, the
 * index of the last one whose key is at most key; SIZE_MAX if there is
 * none. */
static inline size_t hs_search_last_at_most(const void *items, size_t count, size_t size,
                                            uint64_t key)
{
    const char *base = items;
    uint64_t k;
    if (count == 0 || (memcpy(&k, base, sizeof k), k > key))
        return SIZE_MAX;
    size_t lo = 0, hi = count; /* items[lo] <= key < items[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        memcpy(&k, base + mid * size, sizeof k);
        if (k <= key)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

#endif
