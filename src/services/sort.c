#include "sort.h"

#include <stdint.h>
#include <string.h>

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
