/* The JSON emitter: one object per process, with the keys interface.md
 * lists always present (unknown values are null) and a few additions:
 * "live", "largest_blocks", "note", "ended_by" (the fatal signal, or null),
 * per error "call" and "distance", and
 * the wrappers' "stats", "limit" and "fail" (null when off). */
#include <stddef.h>

#include "config.h"
#include "heapshim.h"
#include "services/report/data.h"
#include "services/report/escape.h"
#include "services/report/fmt.h"
#include "services/symbols/symbolize.h"
#include "services/unwind/depot.h"

static void json_frame(struct hs_writer *w, uintptr_t pc, bool return_address)
{
    struct hs_frame f;
    bool known = hs_symbolize(pc, return_address, &f);
    hs_printf(w, "{\"pc\": \"%p\", \"module\": ", (void *)pc);
    hs_json_string(w, known ? f.module : NULL);
    if (known)
        hs_printf(w, ", \"offset\": \"0x%zx\"", (size_t)f.offset);
    else
        hs_writer_puts(w, ", \"offset\": null");
    hs_writer_puts(w, ", \"function\": ");
    hs_json_string(w, known ? f.function : NULL);
    hs_writer_puts(w, ", \"file\": ");
    hs_json_string(w, known ? f.file : NULL);
    if (known && f.file)
        hs_printf(w, ", \"line\": %u}", f.line);
    else
        hs_writer_puts(w, ", \"line\": null}");
}

void hs_json_stack(struct hs_writer *w, const struct hs_stack *stack)
{
    hs_writer_puts(w, "[");
    for (unsigned i = 0; stack && i < stack->depth; i++) {
        if (i)
            hs_writer_puts(w, ", ");
        json_frame(w, stack->pcs[i], true);
    }
    hs_writer_puts(w, "]");
}

static void json_error(struct hs_writer *w, const struct hs_error *e)
{
    hs_printf(w,
              "    {\"kind\": \"%s\", \"address\": \"%p\", \"call\": ", hs_error_kind_name(e->kind),
              (void *)e->address);
    hs_json_string(w, e->call);
    hs_writer_puts(w, ", \"stack\": ");
    if (e->pc) {
        hs_writer_puts(w, "[");
        json_frame(w, e->pc, false);
        hs_writer_puts(w, "]");
    } else {
        hs_json_stack(w, e->stack);
    }
    hs_writer_puts(w, ", \"block\": ");
    if (e->has_block) {
        hs_printf(w,
                  "{\"address\": \"%p\", \"bytes\": %zu, \"kind\": \"%s\", \"freed\": %s, "
                  "\"alloc_stack\": ",
                  (void *)e->block.address, e->block.size, hs_alloc_kind_name(e->block.kind),
                  e->block_freed ? "true" : "false");
        hs_json_stack(w, e->block.stack);
        hs_writer_puts(w, ", \"free_stack\": ");
        hs_json_stack(w, e->block_freed ? e->free_stack : NULL);
        hs_writer_puts(w, "}");
    } else {
        hs_writer_puts(w, "null");
    }
    if (e->kind == HS_ERR_OVERFLOW || e->kind == HS_ERR_UNDERFLOW ||
        e->kind == HS_ERR_USE_AFTER_FREE)
        hs_printf(w, ", \"distance\": %zu", e->distance);
    hs_writer_puts(w, "}");
}

static const char *const summary_keys[HS_LEAK_KINDS] = {
    "definitely_lost",
    "indirectly_lost",
    "possibly_lost",
    "still_reachable",
};

static const char *const group_kinds[HS_LEAK_KINDS] = {
    "definite",
    "indirect",
    "possible",
    "reachable",
};

static void json_leaks(struct hs_writer *w, const struct hs_report_data *d)
{
    size_t listed = 0;
    for (size_t i = 0; i < d->group_count; i++) {
        const struct hs_leak_group *g = &d->groups[i];
        if (g->suppression >= 0 || (g->kind == HS_REACHABLE && !hs_config.show_reachable))
            continue;
        hs_printf(w, "%s    {\"kind\": \"%s\", \"bytes\": %zu, \"blocks\": %zu, \"stack\": ",
                  listed++ ? ",\n" : "\n", group_kinds[g->kind], g->bytes, g->blocks);
        hs_json_stack(w, g->stack);
        hs_writer_puts(w, "}");
    }
    hs_writer_puts(w, listed ? "\n  ]" : "]");
}

void hs_emit_json(struct hs_writer *w, const struct hs_report_data *d)
{
    hs_printf(w,
              "{\n  \"tool\": \"heapshim\",\n  \"version\": \"%s\",\n  \"pid\": %d,\n"
              "  \"backend\": \"%s\",\n  \"summary\": {\n",
              HEAPSHIM_VERSION, (int)d->pid, d->backend);
    for (int k = 0; k < HS_LEAK_KINDS; k++)
        hs_printf(w, "    \"%s\": {\"bytes\": %zu, \"blocks\": %zu}%s\n", summary_keys[k],
                  d->kinds[k].bytes, d->kinds[k].blocks, k + 1 < HS_LEAK_KINDS ? "," : "");
    hs_printf(w, "  },\n  \"suppressed\": {\"bytes\": %zu, \"blocks\": %zu},\n  \"leaks\": [",
              d->suppressed.bytes, d->suppressed.blocks);
    json_leaks(w, d);
    hs_writer_puts(w, ",\n  \"errors\": [");
    for (size_t i = 0; i < d->error_count; i++) {
        hs_writer_puts(w, i ? ",\n" : "\n");
        json_error(w, &d->errors[i]);
    }
    hs_writer_puts(w, d->error_count ? "\n  ],\n" : "],\n");
    hs_printf(w, "  \"errors_not_listed\": %zu,\n", d->errors_dropped);
    hs_printf(w, "  \"live\": {\"bytes\": %zu, \"blocks\": %zu},\n  \"largest_blocks\": [",
              d->live_bytes, d->live_blocks);
    for (size_t i = 0; i < d->largest_count; i++)
        hs_printf(w, "%s{\"address\": \"%p\", \"bytes\": %zu, \"kind\": \"%s\"}", i ? ", " : "",
                  (void *)d->largest[i].address, d->largest[i].size,
                  hs_alloc_kind_name(d->largest[i].kind));
    hs_writer_puts(w, "],\n  \"note\": ");
    if (d->facts.note) {
        hs_json_string(w, d->facts.note);
    } else if (d->classified && !d->facts.unguarded_blocks) {
        hs_writer_puts(w, "null");
    } else if (d->classified) {
        char note[256];
        hs_format(note, sizeof note,
                  "guarding stopped for %zu blocks to stay within "
                  "vm.max_map_count (%zu)",
                  d->facts.unguarded_blocks, d->facts.map_count_limit);
        hs_json_string(w, note);
    } else {
        char note[512];
        size_t n = hs_format(note, sizeof note,
                             "reachability could not be classified (the "
                             "roots could not be read): the %zu blocks in use at exit are counted "
                             "under \"live\" and none is called lost",
                             d->live_blocks);
        if (d->facts.unguarded_blocks)
            hs_format(note + n, sizeof note - n,
                      "; guarding stopped for %zu blocks to stay "
                      "within vm.max_map_count (%zu)",
                      d->facts.unguarded_blocks, d->facts.map_count_limit);
        hs_json_string(w, note);
    }
    hs_writer_puts(w, ",\n  \"ended_by\": ");
    hs_json_string(w, d->ended_by);
    hs_emit_json_wrappers(w, d);
    hs_writer_puts(w, "\n}\n");
}
