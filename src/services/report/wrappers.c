/* The wrappers' parts of the report, in text and in JSON: the statistics,
 * the limit, and the failures injected. */
#include "services/report/data.h"
#include "services/report/fmt.h"

static const char *const call_names[HS_CALLS] = {
    [HS_CALL_MALLOC] = "malloc",   [HS_CALL_CALLOC] = "calloc", [HS_CALL_REALLOC] = "realloc",
    [HS_CALL_ALIGNED] = "aligned", [HS_CALL_NEW] = "new",       [HS_CALL_NEW_ARRAY] = "new[]",
    [HS_CALL_FREE] = "free",       [HS_CALL_DELETE] = "delete", [HS_CALL_DELETE_ARRAY] = "delete[]",
};

const char *hs_call_name(enum hs_call call) { return call_names[call]; }

/* The range of request sizes bucket k holds (wrappers/facts.h). */
static size_t bucket_low(unsigned k) { return k ? (size_t)1 << (k - 1) : 0; }

static size_t bucket_high(unsigned k) { return k ? ((size_t)1 << k) - 1 : 0; }

static const char *const order_texts[HS_SITE_ORDERS] = {
    "bytes allocated",
    "peak bytes in use",
    "calls",
};

static const char *const order_keys[HS_SITE_ORDERS] = {
    "by_bytes",
    "by_peak",
    "by_calls",
};

/* ---- text ---- */

static void text_stack_tail(struct hs_writer *w, uint32_t thread, const struct hs_stack *stack)
{
    if (thread)
        hs_printf(w, ", in thread T%u", thread);
    hs_writer_puts(w, stack ? ":\n" : "\n");
    if (stack)
        hs_emit_text_stack(w, stack);
}

void hs_emit_text_injection(struct hs_writer *w, const struct hs_injection *injection)
{
    hs_printf(w, "heapshim: injected failure: %s(%'zu) returns NULL: allocation %llu",
              hs_call_name(injection->call), injection->bytes,
              (unsigned long long)injection->allocation);
    text_stack_tail(w, injection->thread, injection->stack);
}

/* "NAME N, NAME N, ..." for calls first to last, leaving out zeros if asked. */
static void text_calls(struct hs_writer *w, const uint64_t *counts, enum hs_call first,
                       enum hs_call last, bool skip_zeros)
{
    const char *separator = "";
    for (int c = first; c <= (int)last; c++) {
        if (skip_zeros && !counts[c])
            continue;
        hs_printf(w, "%s%s %'llu", separator, hs_call_name((enum hs_call)c),
                  (unsigned long long)counts[c]);
        separator = ", ";
    }
    hs_writer_puts(w, "\n");
}

static void text_stats(struct hs_writer *w, const struct hs_stats_facts *s)
{
    const struct hs_call_counts *c = &s->counts;
    uint64_t failed = 0;
    for (int k = 0; k < HS_CALLS; k++)
        failed += c->failed[k];
    hs_printf(w, "heapshim: statistics:\nheapshim:   calls: ");
    text_calls(w, c->calls, HS_CALL_MALLOC, HS_CALL_NEW_ARRAY, false);
    hs_printf(w, "heapshim:          ");
    text_calls(w, c->calls, HS_CALL_FREE, HS_CALL_DELETE_ARRAY, false);
    if (failed) {
        hs_printf(w, "heapshim:   failed (returned NULL): ");
        text_calls(w, c->failed, HS_CALL_MALLOC, HS_CALL_NEW_ARRAY, true);
    }
    hs_printf(w, "heapshim:   realloc moved the block %'llu times\n",
              (unsigned long long)c->realloc_moved);
    hs_printf(w,
              "heapshim:   bytes requested: %'llu; peak in use: %'zu bytes; peak blocks in "
              "use: %'zu\n",
              (unsigned long long)c->bytes_requested, s->peak_bytes, s->peak_blocks);
    hs_printf(w, "heapshim:   request sizes (bytes: calls):\n");
    for (unsigned k = 0; k < HS_SIZE_BUCKETS; k++)
        if (c->sizes[k])
            hs_printf(w, "heapshim:     %'15zu .. %'-15zu %'llu\n", bucket_low(k), bucket_high(k),
                      (unsigned long long)c->sizes[k]);
    for (int order = 0; s->has_sites && order < HS_SITE_ORDERS; order++) {
        hs_printf(w, "heapshim:   top allocation sites by %s:\n", order_texts[order]);
        for (size_t i = 0; i < s->top_count[order]; i++) {
            const struct hs_site_facts *site = &s->top[order][i];
            hs_printf(w,
                      "heapshim:   %'llu bytes in %'llu calls, peak %'llu bytes in use, "
                      "allocated from:\n",
                      (unsigned long long)site->bytes, (unsigned long long)site->calls,
                      (unsigned long long)site->peak_bytes);
            hs_emit_text_stack(w, site->stack);
        }
    }
}

static void text_limit(struct hs_writer *w, const struct hs_limit_facts *l)
{
    hs_printf(w, "heapshim: limit: %'zu bytes; peak in use: %'zu bytes; requests refused: %'llu\n",
              l->limit, l->peak_bytes, (unsigned long long)l->refused);
    if (!l->refused)
        return;
    hs_printf(w, "heapshim:   the first refused: %s(%'zu) with %'zu bytes in use",
              hs_call_name(l->first_call), l->first_bytes, l->first_in_use);
    text_stack_tail(w, l->first_thread, l->first_stack);
}

static void text_fail(struct hs_writer *w, const struct hs_fail_facts *f)
{
    hs_printf(w,
              "heapshim: fault injection: %'llu of %'llu allocations made to fail (each "
              "reported as it happened)",
              (unsigned long long)f->injected, (unsigned long long)f->allocations);
    if (f->random)
        hs_printf(w, "; HEAPSHIM_FAIL_SEED=%llu reproduces them", (unsigned long long)f->seed);
    hs_writer_puts(w, "\n");
}

void hs_emit_text_wrappers(struct hs_writer *w, const struct hs_report_data *d)
{
    if (d->wrappers.stats)
        text_stats(w, d->wrappers.stats);
    if (d->wrappers.limit)
        text_limit(w, d->wrappers.limit);
    if (d->wrappers.fail)
        text_fail(w, d->wrappers.fail);
}

/* ---- JSON ---- */

static void json_calls(struct hs_writer *w, const uint64_t *counts, enum hs_call last)
{
    hs_writer_puts(w, "{");
    for (int c = 0; c <= (int)last; c++)
        hs_printf(w, "%s\"%s\": %llu", c ? ", " : "", hs_call_name((enum hs_call)c),
                  (unsigned long long)counts[c]);
    hs_writer_puts(w, "}");
}

static void json_sites(struct hs_writer *w, const struct hs_stats_facts *s)
{
    if (!s->has_sites) {
        hs_writer_puts(w, "null");
        return;
    }
    hs_writer_puts(w, "{");
    for (int order = 0; order < HS_SITE_ORDERS; order++) {
        hs_printf(w, "%s\n      \"%s\": [", order ? "," : "", order_keys[order]);
        for (size_t i = 0; i < s->top_count[order]; i++) {
            const struct hs_site_facts *site = &s->top[order][i];
            hs_printf(w,
                      "%s\n        {\"bytes\": %llu, \"calls\": %llu, \"peak_bytes\": %llu, "
                      "\"stack\": ",
                      i ? "," : "", (unsigned long long)site->bytes,
                      (unsigned long long)site->calls, (unsigned long long)site->peak_bytes);
            hs_json_stack(w, site->stack);
            hs_writer_puts(w, "}");
        }
        hs_writer_puts(w, s->top_count[order] ? "\n      ]" : "]");
    }
    hs_writer_puts(w, "\n    }");
}

static void json_stats(struct hs_writer *w, const struct hs_stats_facts *s)
{
    const struct hs_call_counts *c = &s->counts;
    hs_writer_puts(w, "{\n    \"calls\": ");
    json_calls(w, c->calls, HS_CALL_DELETE_ARRAY);
    hs_writer_puts(w, ",\n    \"failed\": ");
    json_calls(w, c->failed, HS_CALL_NEW_ARRAY);
    hs_printf(w,
              ",\n    \"realloc_moved\": %llu,\n    \"bytes_requested\": %llu,\n"
              "    \"peak\": {\"bytes\": %zu, \"blocks\": %zu},\n    \"sizes\": [",
              (unsigned long long)c->realloc_moved, (unsigned long long)c->bytes_requested,
              s->peak_bytes, s->peak_blocks);
    const char *separator = "";
    for (unsigned k = 0; k < HS_SIZE_BUCKETS; k++) {
        if (!c->sizes[k])
            continue;
        hs_printf(w, "%s{\"from\": %zu, \"to\": %zu, \"calls\": %llu}", separator, bucket_low(k),
                  bucket_high(k), (unsigned long long)c->sizes[k]);
        separator = ", ";
    }
    hs_writer_puts(w, "],\n    \"top_sites\": ");
    json_sites(w, s);
    hs_writer_puts(w, "\n  }");
}

static void json_limit(struct hs_writer *w, const struct hs_limit_facts *l)
{
    hs_printf(w, "{\"bytes\": %zu, \"peak\": %zu, \"refused\": %llu, \"first_refused\": ", l->limit,
              l->peak_bytes, (unsigned long long)l->refused);
    if (l->refused) {
        hs_printf(w,
                  "{\"call\": \"%s\", \"bytes\": %zu, \"in_use\": %zu, \"thread\": %u, "
                  "\"stack\": ",
                  hs_call_name(l->first_call), l->first_bytes, l->first_in_use, l->first_thread);
        hs_json_stack(w, l->first_stack);
        hs_writer_puts(w, "}}");
    } else {
        hs_writer_puts(w, "null}");
    }
}

static void json_fail(struct hs_writer *w, const struct hs_fail_facts *f,
                      const struct hs_report_data *d)
{
    hs_printf(w, "{\n    \"allocations\": %llu,\n    \"injected\": %llu,\n    \"seed\": ",
              (unsigned long long)f->allocations, (unsigned long long)f->injected);
    if (f->random)
        hs_printf(w, "%llu", (unsigned long long)f->seed);
    else
        hs_writer_puts(w, "null");
    hs_writer_puts(w, ",\n    \"failures\": [");
    for (size_t i = 0; i < d->injection_count; i++) {
        const struct hs_injection *injection = &d->injections[i];
        hs_printf(w,
                  "%s\n      {\"call\": \"%s\", \"bytes\": %zu, \"allocation\": %llu, "
                  "\"thread\": %u, \"stack\": ",
                  i ? "," : "", hs_call_name(injection->call), injection->bytes,
                  (unsigned long long)injection->allocation, injection->thread);
        hs_json_stack(w, injection->stack);
        hs_writer_puts(w, "}");
    }
    hs_printf(w, "%s],\n    \"failures_not_listed\": %zu\n  }", d->injection_count ? "\n    " : "",
              d->injections_dropped);
}

void hs_emit_json_wrappers(struct hs_writer *w, const struct hs_report_data *d)
{
    hs_writer_puts(w, ",\n  \"stats\": ");
    if (d->wrappers.stats)
        json_stats(w, d->wrappers.stats);
    else
        hs_writer_puts(w, "null");
    hs_writer_puts(w, ",\n  \"limit\": ");
    if (d->wrappers.limit)
        json_limit(w, d->wrappers.limit);
    else
        hs_writer_puts(w, "null");
    hs_writer_puts(w, ",\n  \"fail\": ");
    if (d->wrappers.fail)
        json_fail(w, d->wrappers.fail, d);
    else
        hs_writer_puts(w, "null");
}
