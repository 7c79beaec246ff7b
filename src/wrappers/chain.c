/* The wrapper chain: built once from the configuration (order and reasons
 * in wrappers.h), and asked for its facts by the exit report. */
#include "config.h"
#include "services/report/wrappers.h"
#include "wrappers/wrappers.h"

static void gather_facts(struct hs_wrapper_facts *out)
{
    static struct hs_stats_facts stats;
    static struct hs_limit_facts limit;
    static struct hs_fail_facts fail;
    *out = (struct hs_wrapper_facts){0};
    if (hs_config.stats) {
        hs_stats_facts(&stats);
        out->stats = &stats;
    }
    if (hs_config.limit) {
        hs_limit_facts(&limit);
        out->limit = &limit;
    }
    if (hs_config_fail_on()) {
        hs_fail_facts(&fail);
        out->fail = &fail;
    }
}

const struct hs_backend *hs_chain_build(const struct hs_backend *backend)
{
    const struct hs_backend *top = backend;
    if (hs_config.limit)
        top = hs_limit_over(top);
    if (hs_config_fail_on())
        top = hs_fail_over(top);
    if (hs_config.stats)
        top = hs_stats_over(top);
    if (hs_config.trace)
        top = hs_trace_over(top);
    if (top == backend)
        return top;
    hs_report_set_wrappers(gather_facts);
    return hs_own_over(top, backend);
}

void hs_chain_exit(void)
{
    if (hs_config.trace)
        hs_trace_finish();
}
