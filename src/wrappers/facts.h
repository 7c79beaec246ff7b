/* What the wrappers that are switched on tell the exit report: facts, which
 * the report service formats. */
#ifndef HS_WRAPPER_FACTS_H
#define HS_WRAPPER_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wrappers/calls.h"

/* Request sizes by power of two: bucket 0 holds size 0, bucket k sizes from
 * 2^(k-1) to 2^k - 1; HS_MAX_REQUEST is 2^46. */
#define HS_SIZE_BUCKETS 48

static inline unsigned hs_size_bucket(size_t size)
{
    return size ? 64u - (unsigned)__builtin_clzll(size) : 0;
}

/* The counters every thread keeps for itself, summed at exit. */
struct hs_call_counts {
    uint64_t calls[HS_CALLS];
    uint64_t failed[HS_CALLS]; /* returned NULL */
    uint64_t realloc_moved;
    uint64_t bytes_requested; /* by the allocations that succeeded */
    uint64_t sizes[HS_SIZE_BUCKETS];
};

/* An allocation site: every block allocated from one stack. */
struct hs_site_facts {
    const struct hs_stack *stack;
    uint64_t calls, bytes, peak_bytes;
};

enum hs_site_order { HS_SITES_BY_BYTES, HS_SITES_BY_PEAK, HS_SITES_BY_CALLS, HS_SITE_ORDERS };
#define HS_TOP_SITES 10

struct hs_stats_facts {
    struct hs_call_counts counts;
    size_t peak_bytes, peak_blocks; /* of the live heap, each at its own peak */
    bool has_sites;                 /* sites are recorded (debug backend) */
    struct hs_site_facts top[HS_SITE_ORDERS][HS_TOP_SITES];
    size_t top_count[HS_SITE_ORDERS];
};

struct hs_limit_facts {
    size_t limit;
    size_t peak_bytes;
    uint64_t refused;
    /* The first refused request, when refused > 0. */
    enum hs_call first_call;
    size_t first_bytes, first_in_use;
    uint32_t first_thread;
    const struct hs_stack *first_stack; /* debug backend only */
};

struct hs_fail_facts {
    uint64_t allocations; /* counted: those under HEAPSHIM_FAIL_IN if it is set */
    uint64_t injected;
    bool random; /* HEAPSHIM_FAIL_RATE is on: seed is the one used */
    uint64_t seed;
};

/* One injected failure, reported as it happens. */
struct hs_injection {
    enum hs_call call;
    size_t bytes;
    uint64_t allocation; /* its number among the counted allocations */
    uint32_t thread;
    const struct hs_stack *stack; /* debug backend only */
};

/* NULL for a wrapper that is off. */
struct hs_wrapper_facts {
    const struct hs_stats_facts *stats;
    const struct hs_limit_facts *limit;
    const struct hs_fail_facts *fail;
};

#endif
