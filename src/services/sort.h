/* Sorting without the C library (qsort may allocate): an in-place heapsort,
 * O(n log n) in the worst case and O(1) in memory. */
#ifndef HS_SORT_H
#define HS_SORT_H

#include <stdbool.h>
#include <stddef.h>

/* less(a, b): whether a sorts before b. */
void hs_sort(void *base, size_t count, size_t size, bool (*less)(const void *, const void *));

#endif
