/* The fail wrapper: fault injection, to test a program's out-of-memory
 * paths. Allocation calls (malloc, calloc, realloc, the aligned ones, new
 * and new[]) are numbered from 1 in the order they reach it, per process (a
 * forked child goes on from its parent's count). A call fails, as out of
 * memory, when
 *   HEAPSHIM_FAIL_AT=N    it is the Nth ("N+": the Nth or any later one), or
 *   HEAPSHIM_FAIL_RATE=F  a draw from its number and HEAPSHIM_FAIL_SEED falls
 *                         below F (the same calls fail for the same seed);
 * with HEAPSHIM_FAIL_IN=PATTERN, only calls whose stack passes through a
 * function matching PATTERN are numbered and may fail, and all of them do
 * when neither of the others is set. Each injected failure is reported as
 * it happens, with its stack under the debug backend.
 *
 * Function names come from the symbolizer, which is only used once the
 * constructor has run: earlier calls are never under FAIL_IN's function.
 * Each return address is symbolized once and its answer cached. */
#include "config.h"
#include "services/core/lock.h"
#include "services/core/os.h"
#include "services/core/thread.h"
#include "services/mem/table.h"
#include "services/report/wrappers.h"
#include "services/symbols/pattern.h"
#include "services/symbols/symbolize.h"
#include "services/unwind/stack.h"
#include "wrappers/wrappers.h"

static const struct hs_backend *below;
static struct hs_backend fail;
static uint64_t numbered, injected; /* atomics */
static uint64_t seed;
static bool started; /* the symbolizer may be used */

struct verdict {
    uintptr_t pc; /* key */
    bool in_function;
};

static hs_lock verdicts_lock = HS_LOCK_INIT;
static struct hs_table verdicts = HS_TABLE_INIT(struct verdict);

static bool pc_in_function(uintptr_t pc)
{
    hs_lock_acquire(&verdicts_lock);
    const struct verdict *known = hs_table_find(&verdicts, pc);
    bool answer = known && known->in_function;
    hs_lock_release(&verdicts_lock);
    if (known)
        return answer;
    struct hs_frame f;
    answer = hs_symbolize(pc, true, &f) && hs_pattern_matches(hs_config.fail_in, f.function);
    hs_lock_acquire(&verdicts_lock);
    struct verdict *v = hs_table_insert(&verdicts, pc);
    if (v)
        v->in_function = answer;
    hs_lock_release(&verdicts_lock);
    return answer;
}

static bool under_function(void)
{
    if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
        return false;
    uintptr_t pcs[HS_STACK_MAX];
    unsigned depth = hs_stack_capture(pcs, HS_STACK_MAX);
    for (unsigned i = 0; i < depth; i++)
        if (pc_in_function(pcs[i]))
            return true;
    return false;
}

/* splitmix64's finaliser: a well-mixed draw from the call's number. */
static uint64_t draw(uint64_t n)
{
    uint64_t z = seed + n * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static bool drawn(uint64_t n)
{
    double rate = hs_config.fail_rate;
    if (rate >= 1)
        return true;
    return (double)draw(n) < rate * 18446744073709551616.0;
}

static bool chosen(uint64_t n)
{
    uint64_t at = hs_config.fail_at;
    if (at && (n == at || (hs_config.fail_from && n > at)))
        return true;
    if (hs_config.fail_rate > 0 && drawn(n))
        return true;
    return !at && hs_config.fail_rate == 0; /* HEAPSHIM_FAIL_IN alone */
}

static bool inject(enum hs_call call, size_t size)
{
    if (hs_config.fail_in && !under_function())
        return false;
    uint64_t n = __atomic_add_fetch(&numbered, 1, __ATOMIC_RELAXED);
    if (!chosen(n))
        return false;
    __atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
    struct hs_injection report = {
        .call = call,
        .bytes = size,
        .allocation = n,
        .thread = hs_thread_number(),
        .stack = below->records_stacks ? hs_stack_record(hs_config.stack_depth) : NULL,
    };
    hs_report_injection(&report);
    return true;
}

static void *fail_alloc(size_t size, size_t align, enum hs_alloc_kind kind, bool zero)
{
    if (inject(hs_call_of_alloc(align, kind, zero), size))
        return NULL;
    return below->alloc(size, align, kind, zero);
}

static void *fail_realloc(void *ptr, size_t old_usable, size_t new_size)
{
    if (inject(HS_CALL_REALLOC, new_size))
        return NULL;
    return below->realloc(ptr, old_usable, new_size);
}

static void fail_start(void)
{
    __atomic_store_n(&started, true, __ATOMIC_RELEASE);
    if (below->start)
        below->start();
}

static void fail_fork_prepare(void)
{
    hs_lock_acquire(&verdicts_lock);
    below->fork_prepare();
}

static void fail_fork_parent(void)
{
    below->fork_parent();
    hs_lock_release(&verdicts_lock);
}

static void fail_fork_child(void)
{
    below->fork_child();
    hs_lock_reset(&verdicts_lock);
}

const struct hs_backend *hs_fail_over(const struct hs_backend *layer)
{
    below = layer;
    seed = hs_config.fail_seeded ? hs_config.fail_seed
                                 : hs_os_now_ns() ^ (uint64_t)hs_os_getpid() << 40;
    fail = *layer;
    fail.start = fail_start;
    fail.alloc = fail_alloc;
    fail.realloc = fail_realloc;
    fail.fork_prepare = fail_fork_prepare;
    fail.fork_parent = fail_fork_parent;
    fail.fork_child = fail_fork_child;
    return &fail;
}

void hs_fail_facts(struct hs_fail_facts *out)
{
    out->allocations = __atomic_load_n(&numbered, __ATOMIC_RELAXED);
    out->injected = __atomic_load_n(&injected, __ATOMIC_RELAXED);
    out->random = hs_config.fail_rate > 0;
    out->seed = seed;
}
