/* Sorting: the heapsort for any order, and a least-significant-digit radix
 * sort by the leading 64-bit key (11-bit digits, only those where the keys
 * differ), stable and linear, for the scan's blocks and the symbol tables;
 * its scratch copy comes from the shim's own regions. */
#include "services/mem/sort.h"

#include <stdint.h>
#include <string.h>

#include "services/mem/regions.h"

#define DIGIT_BITS 11
#define DIGITS ((size_t)1 << DIGIT_BITS)

static void swap(char *a, char *b, size_t size)
{
    while (size >= sizeof(uint64_t)) {
        uint64_t t;
        memcpy(&t, a, sizeof t);
        memcpy(a, b, sizeof t);
        memcpy(b, &t, sizeof t);
        a += sizeof t, b += sizeof t, size -= sizeof t;
    }
    while (size--) {
        char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

static void sift_down(char *base, size_t root, size_t count, size_t size,
                      bool (*less)(const void *, const void *))
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= count)
            return;
        if (child + 1 < count && less(base + child * size, base + (child + 1) * size))
            child++;
        if (!less(base + root * size, base + child * size))
            return;
        swap(base + root * size, base + child * size, size);
        root = child;
    }
}

void hs_sort(void *base, size_t count, size_t size, bool (*less)(const void *, const void *))
{
    char *b = base;
    for (size_t i = count / 2; i-- > 0;)
        sift_down(b, i, count, size, less);
    for (size_t end = count; end-- > 1;) {
        swap(b, b + end * size, size);
        sift_down(b, 0, end, size, less);
    }
}

static uint64_t key_of(const char *item)
{
    uint64_t key;
    memcpy(&key, item, sizeof key);
    return key;
}

bool hs_radix_sort(void *items, size_t count, size_t size)
{
    if (count < 2)
        return true;
    uint64_t varying = 0, first = key_of(items);
    for (size_t i = 1; i < count; i++)
        varying |= key_of((const char *)items + i * size) ^ first;
    char *scratch = hs_region_map(count * size);
    if (!scratch)
        return false;
    char *from = items, *to = scratch;
    size_t histogram[DIGITS];
    for (unsigned shift = 0; shift < 64; shift += DIGIT_BITS) {
        if (!((varying >> shift) & (DIGITS - 1)))
            continue; /* every key has this digit: nothing to do */
        memset(histogram, 0, sizeof histogram);
        for (size_t i = 0; i < count; i++)
            histogram[key_of(from + i * size) >> shift & (DIGITS - 1)]++;
        size_t sum = 0;
        for (size_t d = 0; d < DIGITS; d++) {
            size_t n = histogram[d];
            histogram[d] = sum;
            sum += n;
        }
        for (size_t i = 0; i < count; i++)
            memcpy(to + histogram[key_of(from + i * size) >> shift & (DIGITS - 1)]++ * size,
                   from + i * size, size);
        char *t = from;
        from = to;
        to = t;
    }
    if (from != items)
        memcpy(items, from, count * size);
    hs_region_unmap(scratch, count * size);
    return true;
}
