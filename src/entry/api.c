/* The in-program API (include/heapshim.h): what a program asks of the shim
 * while it runs. Each function is exported as __heapshim_NAME, which the
 * header's heapshim_NAME calls when the shim is loaded. Structures are
 * copied out at the size the program's header gave, so a program built
 * against another version of the header gets what both know of. */
#include <string.h>

#include "config.h"
#include "entry/entry.h"
#include "heapshim.h"
#include "services/core/thread.h"
#include "services/report/report.h"
#include "wrappers/calls.h"
#include "wrappers/facts.h"
#include "wrappers/wrappers.h"

static void copy_out(void *out, size_t out_size, const void *filled, size_t filled_size)
{
    memset(out, 0, out_size);
    memcpy(out, filled, out_size < filled_size ? out_size : filled_size);
}

static struct heapshim_amount amount(struct hs_tally t)
{
    return (struct heapshim_amount){t.bytes, t.blocks};
}

/* The caller's stack and registers are roots. __builtin_unwind_init saves
 * every callee-saved register in this frame, so a pointer the caller keeps
 * in one is on the stack here; the scan takes the stack from the bottom of
 * this frame up (an alloca lies below all of the frame). */
HS_EXPORT int __heapshim_leak_check(struct heapshim_leaks *out, size_t out_size, int flags)
{
    __builtin_unwind_init();
    /* cppcheck calls alloca obsolete; here it is the marker described above. */
    /* cppcheck-suppress allocaCalled */
    uintptr_t boundary = (uintptr_t)__builtin_alloca(16);
    struct hs_leak_counts c;
    hs_allocator(); /* initialises the shim if this is the first call */
    /* A signal handler that allocates during the scan is refused as a
     * reentrant call, not left waiting for the locks the scan holds. */
    bool was = hs_thread_in_shim;
    hs_thread_in_shim = true;
    hs_report_leak_check(boundary, flags & HEAPSHIM_LEAK_REPORT, &c);
    hs_thread_in_shim = was;
    struct heapshim_leaks r = {
        .definite = amount(c.kinds[HS_DEFINITE]),
        .indirect = amount(c.kinds[HS_INDIRECT]),
        .possible = amount(c.kinds[HS_POSSIBLE]),
        .reachable = amount(c.kinds[HS_REACHABLE]),
        .suppressed = amount(c.suppressed),
        .live = amount(c.live),
    };
    if (out)
        copy_out(out, out_size, &r, sizeof r);
    return c.classified ? HEAPSHIM_OK : HEAPSHIM_UNCLASSIFIED;
}

HS_EXPORT int __heapshim_ignore(const void *ptr)
{
    const struct hs_backend *b = hs_allocator();
    if (!b->ignore)
        return HEAPSHIM_UNSUPPORTED;
    return ptr && b->ignore(ptr) ? HEAPSHIM_OK : HEAPSHIM_NOT_OWNED;
}

/* hs_allocate marks what the thread allocates while the count is positive. */
HS_EXPORT int __heapshim_ignore_begin(void)
{
    hs_thread_ignoring++;
    return hs_allocator()->ignore ? HEAPSHIM_OK : HEAPSHIM_UNSUPPORTED;
}

HS_EXPORT int __heapshim_ignore_end(void)
{
    if (hs_thread_ignoring == 0)
        return HEAPSHIM_NO_SCOPE;
    hs_thread_ignoring--;
    return HEAPSHIM_OK;
}

/* Expensive builds check the backend's own structures first, unless the
 * call comes from a signal handler that interrupted the shim: freezing
 * would wait for the locks the interrupted call holds. */
HS_EXPORT long __heapshim_check(void)
{
    const struct hs_backend *b = hs_allocator();
    if (HS_EXPENSIVE_ON && !hs_thread_in_shim) {
        hs_thread_in_shim = true;
        hs_validate_heap(b);
        hs_thread_in_shim = false;
    }
    return b->check_all ? (long)b->check_all() : HEAPSHIM_UNSUPPORTED;
}

/* The stats wrapper's peaks and call counts, by the families of the
 * header. */
static void add_counted(struct heapshim_stats *s)
{
    _Static_assert((int)HS_CALLS == (int)HEAPSHIM_CALLS,
                   "each call the wrappers count has a family");
    static const enum heapshim_call family[HS_CALLS] = {
        [HS_CALL_MALLOC] = HEAPSHIM_CALL_MALLOC,
        [HS_CALL_CALLOC] = HEAPSHIM_CALL_CALLOC,
        [HS_CALL_REALLOC] = HEAPSHIM_CALL_REALLOC,
        [HS_CALL_ALIGNED] = HEAPSHIM_CALL_ALIGNED,
        [HS_CALL_NEW] = HEAPSHIM_CALL_NEW,
        [HS_CALL_NEW_ARRAY] = HEAPSHIM_CALL_NEW_ARRAY,
        [HS_CALL_FREE] = HEAPSHIM_CALL_FREE,
        [HS_CALL_DELETE] = HEAPSHIM_CALL_DELETE,
        [HS_CALL_DELETE_ARRAY] = HEAPSHIM_CALL_DELETE_ARRAY,
    };
    struct hs_stats_facts facts;
    hs_stats_facts(&facts);
    s->valid |= HEAPSHIM_STATS_CALLS;
    s->peak = (struct heapshim_amount){facts.peak_bytes, facts.peak_blocks};
    for (int c = 0; c < HS_CALLS; c++)
        s->calls[family[c]] += facts.counts.calls[c];
}

HS_EXPORT int __heapshim_stats(struct heapshim_stats *out, size_t out_size)
{
    struct hs_usage u = hs_usage_now();
    struct heapshim_stats s = {
        .valid = HEAPSHIM_STATS_LIVE,
        .live = {u.bytes, u.blocks},
    };
    if (hs_config.stats)
        add_counted(&s);
    if (out)
        copy_out(out, out_size, &s, sizeof s);
    return HEAPSHIM_OK;
}

HS_EXPORT int __heapshim_print_stack(const void *ptr)
{
    if (!hs_allocator()->locate)
        return HEAPSHIM_UNSUPPORTED;
    return hs_report_describe((uintptr_t)ptr) ? HEAPSHIM_OK : HEAPSHIM_NOT_OWNED;
}
