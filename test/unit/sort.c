/* Unit tests of services/mem/sort: hs_sort (heapsort) on random arrays
 * of several sizes and item sizes against the C library's qsort, with
 * many duplicates, already sorted and reversed input, n = 0 and 1;
 * hs_radix_sort (sorted by the 64-bit key, stable, keys differing in few
 * or in all digits); hs_search_last_at_most against a linear scan, keys
 * below, between, on and above the items, with duplicates. */
#include <stdint.h>
#include <stdlib.h>

#include "services/mem/sort.h"
#include "unit.h"

/* An item of 24 bytes: the key first, as the radix sort and the search
 * want, then its place in the input and a check word. */
struct item {
    uint64_t key;
    uint64_t order;
    uint64_t check;
};

static bool item_less(const void *a, const void *b)
{
    return ((const struct item *)a)->key < ((const struct item *)b)->key;
}

static int item_compare(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* n items with keys below `spread` (small: many duplicates), in one of
 * four shapes: random, sorted, reversed, all equal. */
static struct item *make_items(size_t n, uint64_t spread, int shape)
{
    struct item *items = malloc((n ? n : 1) * sizeof *items);
    for (size_t i = 0; i < n; i++) {
        uint64_t key = shape == 0   ? unit_random() % spread
                       : shape == 1 ? i * 3
                       : shape == 2 ? (n - i) * 3
                                    : 42;
        items[i] = (struct item){key, i, key ^ 0x5555555555555555ull};
    }
    return items;
}

/* Sorted by key and a permutation of the input (every check word intact,
 * every order seen once). */
static bool sorted_permutation(const struct item *items, size_t n)
{
    bool *seen = calloc(n + 1, 1);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        ok &= items[i].check == (items[i].key ^ 0x5555555555555555ull);
        ok &= items[i].order < n && !seen[items[i].order];
        if (items[i].order < n)
            seen[items[i].order] = true;
        ok &= i == 0 || items[i - 1].key <= items[i].key;
    }
    free(seen);
    return ok;
}

static void heapsort_vs_qsort(void)
{
    static const size_t sizes[] = {0, 1, 2, 3, 7, 64, 1000, 4099};
    static const uint64_t spreads[] = {1, 5, 1000, UINT64_MAX};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        for (size_t k = 0; k < sizeof spreads / sizeof *spreads; k++) {
            for (int shape = 0; shape < 4; shape++) {
                size_t n = sizes[s];
                struct item *items = make_items(n, spreads[k], shape);
                struct item *want = malloc((n ? n : 1) * sizeof *want);
                memcpy(want, items, n * sizeof *items);
                qsort(want, n, sizeof *want, item_compare);
                hs_sort(items, n, sizeof *items, item_less);
                CHECK(sorted_permutation(items, n));
                bool same_keys = true;
                for (size_t i = 0; i < n; i++)
                    same_keys &= items[i].key == want[i].key;
                CHECK(same_keys);
                free(items);
                free(want);
            }
        }
    }
}

/* Items of an odd size (neither a multiple of 8 nor aligned), sorted on
 * their first byte. */
static bool byte_less(const void *a, const void *b)
{
    return *(const unsigned char *)a < *(const unsigned char *)b;
}

static void odd_item_size(void)
{
    enum { N = 333, SIZE = 13 };
    unsigned char *items = malloc(N * SIZE);
    for (size_t i = 0; i < N; i++) {
        unsigned char key = (unsigned char)unit_random();
        for (size_t b = 0; b < SIZE; b++)
            items[i * SIZE + b] = (unsigned char)(key + b);
    }
    hs_sort(items, N, SIZE, byte_less);
    bool ok = true;
    for (size_t i = 0; i < N; i++) {
        for (size_t b = 0; b < SIZE; b++)
            ok &= items[i * SIZE + b] == (unsigned char)(items[i * SIZE] + b);
        ok &= i == 0 || items[(i - 1) * SIZE] <= items[i * SIZE];
    }
    CHECK(ok);
    free(items);
}

static void radix(void)
{
    static const size_t sizes[] = {0, 1, 2, 100, 5000};
    /* Keys that differ in all digits, in only the low one, in only a high
     * one, and not at all. */
    static const uint64_t masks[] = {UINT64_MAX, 0x7ff, 0xff00000000000000ull, 0};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        for (size_t m = 0; m < sizeof masks / sizeof *masks; m++) {
            size_t n = sizes[s];
            struct item *items = make_items(n, UINT64_MAX, 0);
            for (size_t i = 0; i < n; i++) {
                items[i].key = (unit_random() % 7 * 0x9e3779b97f4a7c15ull & masks[m]) | 0x10;
                items[i].check = items[i].key ^ 0x5555555555555555ull;
            }
            CHECK(hs_radix_sort(items, n, sizeof *items));
            CHECK(sorted_permutation(items, n));
            bool stable = true; /* equal keys keep their input order */
            for (size_t i = 1; i < n; i++)
                stable &= items[i - 1].key != items[i].key || items[i - 1].order < items[i].order;
            CHECK(stable);
            free(items);
        }
    }
}

static size_t linear_last_at_most(const struct item *items, size_t n, uint64_t key)
{
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        if (items[i].key <= key)
            found = i;
    return found;
}

static void search(void)
{
    for (size_t n = 0; n < 40; n++) {
        struct item *items = make_items(n, 30, 0);
        hs_sort(items, n, sizeof *items, item_less);
        bool ok = true;
        for (uint64_t key = 0; key < 35; key++)
            ok &= hs_search_last_at_most(items, n, sizeof *items, key) ==
                  linear_last_at_most(items, n, key);
        ok &= hs_search_last_at_most(items, n, sizeof *items, UINT64_MAX) == (n ? n - 1 : SIZE_MAX);
        CHECK(ok);
        free(items);
    }
    struct item one = {100, 0, 0};
    CHECK_EQ_U(hs_search_last_at_most(&one, 1, sizeof one, 99), SIZE_MAX);
    CHECK_EQ_U(hs_search_last_at_most(&one, 1, sizeof one, 100), 0);
    CHECK_EQ_U(hs_search_last_at_most(&one, 0, sizeof one, 100), SIZE_MAX);
}

int main(void)
{
    heapsort_vs_qsort();
    odd_item_size();
    radix();
    search();
    return unit_done("sort");
}
