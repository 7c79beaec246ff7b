/* A gauge: a quantity shared by all threads (live bytes, live blocks) and
 * the highest value it has reached, both updated without a lock. */
#ifndef HS_GAUGE_H
#define HS_GAUGE_H

#include <stdbool.h>
#include <stddef.h>

struct hs_gauge {
    size_t value, peak;
};

static inline void hs_gauge_raise_peak(struct hs_gauge *g, size_t value)
{
    size_t peak = __atomic_load_n(&g->peak, __ATOMIC_RELAXED);
    while (value > peak && !__atomic_compare_exchange_n(&g->peak, &peak, value, true,
                                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

static inline void hs_gauge_add(struct hs_gauge *g, size_t n)
{
    hs_gauge_raise_peak(g, __atomic_add_fetch(&g->value, n, __ATOMIC_RELAXED));
}

static inline void hs_gauge_sub(struct hs_gauge *g, size_t n)
{
    __atomic_sub_fetch(&g->value, n, __ATOMIC_RELAXED);
}

/* Adds n unless the value would pass limit; *before: the value seen. */
static inline bool hs_gauge_add_within(struct hs_gauge *g, size_t n, size_t limit, size_t *before)
{
    size_t v = __atomic_load_n(&g->value, __ATOMIC_RELAXED);
    do {
        *before = v;
        if (n > limit || v > limit - n)
            return false;
    } while (!__atomic_compare_exchange_n(&g->value, &v, v + n, true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    hs_gauge_raise_peak(g, v + n);
    return true;
}

static inline size_t hs_gauge_value(const struct hs_gauge *g)
{
    return __atomic_load_n(&g->value, __ATOMIC_RELAXED);
}

static inline size_t hs_gauge_peak(const struct hs_gauge *g)
{
    return __atomic_load_n(&g->peak, __ATOMIC_RELAXED);
}

#endif
