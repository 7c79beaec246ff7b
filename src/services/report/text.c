/* The text emitter: every line starts with "heapshim:", or is an indented
 * stack frame under such a line. */
#include <stddef.h>

#include "config.h"
#include "services/leaks/suppress.h"
#include "services/report/data.h"
#include "services/report/escape.h"
#include "services/report/fmt.h"
#include "services/symbols/symbolize.h"
#include "services/unwind/depot.h"

static const char *const error_kind_names[] = {
    [HS_ERR_DOUBLE_FREE] = "double-free",
    [HS_ERR_INVALID_FREE] = "invalid-free",
    [HS_ERR_MISMATCHED_FREE] = "mismatched-free",
    [HS_ERR_OVERFLOW] = "overflow",
    [HS_ERR_UNDERFLOW] = "underflow",
    [HS_ERR_USE_AFTER_FREE] = "use-after-free",
    [HS_ERR_INVALID_REALLOC] = "invalid-realloc",
    [HS_ERR_OUT_OF_MEMORY] = "out-of-memory",
    [HS_ERR_REENTRANT_CALL] = "reentrant-call",
};

_Static_assert(sizeof error_kind_names / sizeof *error_kind_names == HS_ERR_REENTRANT_CALL + 1,
               "every error kind has a name");

const char *hs_error_kind_name(enum hs_error_kind kind) { return error_kind_names[kind]; }

const char *hs_alloc_kind_name(enum hs_alloc_kind kind)
{
    switch (kind) {
    case HS_KIND_NEW: return "new";
    case HS_KIND_NEW_ARRAY: return "new[]";
    default: return "malloc";
    }
}

/* "#N 0xPC in FUNCTION FILE:LINE (MODULE+0xOFFSET)", leaving out what is
 * unknown, and in secure execution the pc of a frame that module+offset
 * places (config.h). */
static void text_frame(struct hs_writer *w, unsigned index, uintptr_t pc, bool return_address)
{
    struct hs_frame f;
    bool known = hs_symbolize(pc, return_address, &f);
    hs_printf(w, "    #%u", index);
    if (!known || !hs_config.secure)
        hs_printf(w, " %p", (void *)pc);
    if (known) {
        if (f.function) {
            hs_writer_puts(w, " in ");
            hs_text_string(w, f.function);
        }
        if (f.file) {
            hs_writer_puts(w, " ");
            hs_text_string(w, f.file);
            hs_printf(w, ":%u", f.line);
        }
        hs_writer_puts(w, " (");
        hs_text_string(w, f.module ? f.module : "?");
        hs_printf(w, "+0x%zx)", (size_t)f.offset);
    }
    hs_writer_puts(w, "\n");
}

void hs_emit_text_stack(struct hs_writer *w, const struct hs_stack *stack)
{
    if (!stack) {
        hs_writer_puts(w, "    (no stack recorded)\n");
        return;
    }
    for (unsigned i = 0; i < stack->depth; i++)
        text_frame(w, i, stack->pcs[i], true);
}

static void fault_line(struct hs_writer *w, const struct hs_error *e, const char *where)
{
    hs_printf(w,
              "heapshim: ERROR: %s: SIGSEGV on address %p, %zu byte(s) %s %s%zu-byte block "
              "at %p\n",
              hs_error_kind_name(e->kind), (void *)e->address, e->distance, where,
              e->block_freed ? "freed " : "", e->block.size, (void *)e->block.address);
}

static void headline(struct hs_writer *w, const struct hs_error *e)
{
    const char *kind = hs_error_kind_name(e->kind);
    const struct hs_block *b = &e->block;
    bool fault = e->pc != 0;
    switch (e->kind) {
    case HS_ERR_OVERFLOW:
        if (fault)
            fault_line(w, e, "past the end of the");
        else if (!e->has_block)
            hs_printf(w,
                      "heapshim: ERROR: %s: the free block at %p was overwritten, its free-list "
                      "link forged (found by %s)\n",
                      kind, (void *)e->address, e->call);
        else
            hs_printf(w,
                      "heapshim: ERROR: %s: %zu byte(s) past the end of the %zu-byte block at "
                      "%p were written (found by %s)\n",
                      kind, e->distance, b->size, (void *)b->address, e->call);
        return;
    case HS_ERR_UNDERFLOW:
        if (fault)
            fault_line(w, e, "before the start of the");
        else
            hs_printf(w,
                      "heapshim: ERROR: %s: %zu byte(s) before the start of the %zu-byte block "
                      "at %p were written (found by %s)\n",
                      kind, e->distance, b->size, (void *)b->address, e->call);
        return;
    case HS_ERR_USE_AFTER_FREE:
        if (fault)
            fault_line(w, e, "into the");
        else
            hs_printf(w,
                      "heapshim: ERROR: %s: %zu byte(s) of the freed %zu-byte block at %p were "
                      "written after it was freed, at some time between its free and the %s "
                      "that found them (first stack below)\n",
                      kind, e->distance, b->size, (void *)b->address, e->call);
        return;
    case HS_ERR_MISMATCHED_FREE:
        hs_printf(w, "heapshim: ERROR: %s: %s(%p) of a block allocated by %s\n", kind, e->call,
                  (void *)e->address, hs_alloc_kind_name(b->kind));
        return;
    case HS_ERR_DOUBLE_FREE:
        hs_printf(w, "heapshim: ERROR: %s: %s(%p) of a %zu-byte block that was already freed\n",
                  kind, e->call, (void *)e->address, b->size);
        return;
    case HS_ERR_REENTRANT_CALL:
        hs_printf(w, "heapshim: ERROR: %s: %s", kind, e->call);
        if (e->address)
            hs_printf(w, "(%p)", (void *)e->address);
        hs_printf(w, " called from a signal handler while this thread was inside heapshim%s\n",
                  hs_config.on_error == HS_ON_ERROR_ABORT
                      ? ""
                      : "; refused, the heap left as it was (an allocation returns NULL with "
                        "ENOMEM, a free keeps its block)");
        hs_printf(w, "heapshim:   the stack shows the handler, then the call it interrupted:\n");
        return;
    default:
        if (e->has_block && e->address != b->address)
            hs_printf(w,
                      "heapshim: ERROR: %s: %s(%p) points %zu byte(s) into the %s%zu-byte "
                      "block at %p, not at its start\n",
                      kind, e->call, (void *)e->address, (size_t)(e->address - b->address),
                      e->block_freed ? "freed " : "", b->size, (void *)b->address);
        else if (e->has_block)
            hs_printf(w,
                      "heapshim: ERROR: %s: %s(%p) of a %zu-byte block that was already "
                      "freed\n",
                      kind, e->call, (void *)e->address, b->size);
        else
            hs_printf(w, "heapshim: ERROR: %s: %s(%p) of a pointer heapshim never returned\n", kind,
                      e->call, (void *)e->address);
        return;
    }
}

static void thread_words(struct hs_writer *w, uint32_t thread)
{
    if (thread)
        hs_printf(w, " in thread T%u", thread);
}

/* The block, where it was allocated and, if freed, where it was freed. */
static void block_lines(struct hs_writer *w, const struct hs_block *b, bool freed,
                        const struct hs_stack *free_stack, uint32_t free_thread)
{
    hs_printf(w, "heapshim:   the block: %zu bytes at %p, allocated by %s", b->size,
              (void *)b->address, hs_alloc_kind_name(b->kind));
    thread_words(w, b->thread);
    hs_writer_puts(w, b->stack ? ":\n" : "\n");
    if (b->stack)
        hs_emit_text_stack(w, b->stack);
    if (freed) {
        hs_writer_puts(w, "heapshim:   freed");
        thread_words(w, free_thread);
        hs_writer_puts(w, free_stack ? ":\n" : "\n");
        if (free_stack)
            hs_emit_text_stack(w, free_stack);
    }
}

void hs_emit_text_error(struct hs_writer *w, const struct hs_error *e)
{
    headline(w, e);
    if (e->pc)
        text_frame(w, 0, e->pc, false);
    else if (e->stack)
        hs_emit_text_stack(w, e->stack);
    if (e->has_block)
        block_lines(w, &e->block, e->block_freed, e->free_stack, e->free_thread);
    hs_printf(w, "heapshim: SUMMARY: %s\n", hs_error_kind_name(e->kind));
}

void hs_emit_text_place(struct hs_writer *w, uintptr_t addr, const struct hs_place *place)
{
    if (!place) {
        hs_printf(w, "heapshim: %p is in no block heapshim knows of\n", (void *)addr);
        return;
    }
    const struct hs_block *b = &place->block;
    bool freed = place->relation == HS_IN_FREED;
    static const char *const where[] = {
        [HS_INSIDE] = "into",
        [HS_PAST_END] = "past the end of",
        [HS_BEFORE_START] = "before the start of",
        [HS_IN_FREED] = "into",
    };
    hs_printf(w, "heapshim: %p is ", (void *)addr);
    if (addr == b->address)
        hs_writer_puts(w, "the start of");
    else
        hs_printf(w, "%zu byte(s) %s", place->distance, where[place->relation]);
    hs_printf(w, " the %s%zu-byte block at %p\n", freed ? "freed " : "", b->size,
              (void *)b->address);
    block_lines(w, b, freed, place->free_stack, place->free_thread);
}

static const char *const leak_kind_labels[HS_LEAK_KINDS] = {
    "definitely lost",
    "indirectly lost",
    "possibly lost",
    "still reachable",
};

static bool listed(const struct hs_leak_group *g)
{
    return g->suppression < 0 && (g->kind != HS_REACHABLE || hs_config.show_reachable);
}

static void text_groups(struct hs_writer *w, const struct hs_report_data *d)
{
    for (size_t i = 0; i < d->group_count; i++) {
        const struct hs_leak_group *g = &d->groups[i];
        if (!listed(g))
            continue;
        hs_printf(w, "heapshim: %'zu bytes in %'zu blocks are %s, allocated from:\n", g->bytes,
                  g->blocks, leak_kind_labels[g->kind]);
        hs_emit_text_stack(w, g->stack);
    }
}

static void text_suppressions(struct hs_writer *w, const struct hs_report_data *d)
{
    if (!d->suppressed.blocks)
        return;
    hs_printf(w, "heapshim: suppressions used:\nheapshim:   %8s %12s  pattern\n", "blocks",
              "bytes");
    for (size_t k = 0; k < hs_suppression_count(); k++) {
        struct hs_tally t = {0, 0};
        for (size_t i = 0; i < d->group_count; i++)
            if (d->groups[i].suppression == (int)k) {
                t.bytes += d->groups[i].bytes;
                t.blocks += d->groups[i].blocks;
            }
        if (!t.blocks)
            continue;
        hs_printf(w, "heapshim:   %'8zu %'12zu  ", t.blocks, t.bytes);
        hs_text_string(w, hs_suppression_pattern((int)k));
        hs_writer_puts(w, "\n");
    }
}

void hs_emit_text_leak_report(struct hs_writer *w, const struct hs_report_data *d)
{
    hs_printf(w, "heapshim: %s for pid %d (backend %s)\n",
              d->at_exit ? "exit report" : "leak check", (int)d->pid, d->backend);
    if (d->ended_by)
        hs_printf(w, "heapshim: process ended by %s\n", d->ended_by);
    if (hs_config.secure)
        hs_printf(w, "heapshim: secure execution (setuid, setgid or capabilities): HEAPSHIM_* "
                     "variables are ignored and addresses are hidden\n");
    if (d->facts.note)
        hs_printf(w, "heapshim: note: %s\n", d->facts.note);
    else
        hs_printf(w, "heapshim: in use %s: %'zu bytes in %'zu blocks\n",
                  d->at_exit ? "at exit" : "now", d->live_bytes, d->live_blocks);
    if (d->classified && !d->facts.note) {
        text_groups(w, d);
        hs_printf(w, "heapshim: LEAK SUMMARY:\n");
        for (int k = 0; k < HS_LEAK_KINDS; k++)
            hs_printf(w, "heapshim:   %16s: %'zu bytes in %'zu blocks\n", leak_kind_labels[k],
                      d->kinds[k].bytes, d->kinds[k].blocks);
        if (d->suppressed.blocks)
            hs_printf(w, "heapshim:   %16s: %'zu bytes in %'zu blocks\n", "suppressed",
                      d->suppressed.bytes, d->suppressed.blocks);
        text_suppressions(w, d);
    } else if (d->live_blocks) {
        hs_printf(w, "heapshim: reachability not classified (the roots could not be read): no "
                     "block is called lost\n");
    }
    if (d->largest_count && !d->any_stack) {
        hs_printf(w, "heapshim: largest blocks in use (the %s backend records no stacks):\n",
                  d->backend);
        for (size_t i = 0; i < d->largest_count; i++)
            hs_printf(w, "heapshim:   %'12zu bytes at %p (%s)\n", d->largest[i].size,
                      (void *)d->largest[i].address, hs_alloc_kind_name(d->largest[i].kind));
    }
    if (d->facts.unguarded_blocks)
        hs_printf(w,
                  "heapshim: guarding stopped for %'zu blocks: guarding them too would have "
                  "used more of the kernel's vm.max_map_count (%zu) than is safe; they were "
                  "served from packed pages without a guard\n",
                  d->facts.unguarded_blocks, d->facts.map_count_limit);
    if (d->error_count + d->errors_dropped)
        hs_printf(w, "heapshim: heap errors: %zu (reported above)\n",
                  d->error_count + d->errors_dropped);
    hs_emit_text_wrappers(w, d);
}
