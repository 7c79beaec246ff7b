/* What the report service gathers before it writes, shared by the text and
 * JSON emitters. */
#ifndef HS_REPORT_DATA_H
#define HS_REPORT_DATA_H

#include <sys/types.h>

#include "services/leaks/scan.h"
#include "services/report/errors.h"
#include "services/report/report.h"
#include "services/report/writer.h"
#include "wrappers/facts.h"

#define HS_LARGEST_SHOWN 10
#define HS_ERRORS_KEPT 32
#define HS_INJECTIONS_KEPT 32

/* Blocks of one kind allocated from one stack. */
struct hs_leak_group {
    enum hs_leak_kind kind;
    const struct hs_stack *stack;
    size_t bytes, blocks;
    int suppression; /* index of the matching pattern, or -1 */
};

struct hs_report_data {
    const char *backend;
    pid_t pid;
    bool at_exit;         /* else a leak check the program asked for */
    const char *ended_by; /* "signal SIGSEGV"...; NULL: exit, or a leak check */
    size_t live_blocks, live_bytes;
    bool classified;                      /* by the reachability scan */
    size_t threads_running;               /* threads the scan could not stop */
    struct hs_tally kinds[HS_LEAK_KINDS]; /* all zero unless classified */
    struct hs_tally suppressed;           /* left out of kinds and groups */
    struct hs_leak_group *groups;         /* by kind, then most bytes first */
    size_t group_count;
    bool any_stack;                            /* some block has a stack */
    struct hs_block largest[HS_LARGEST_SHOWN]; /* biggest first */
    size_t largest_count;
    struct hs_backend_facts facts;
    const struct hs_error *errors;
    size_t error_count, errors_dropped;
    struct hs_wrapper_facts wrappers;
    const struct hs_injection *injections;
    size_t injection_count, injections_dropped;
};

/* Gathers the live blocks with the backend frozen, classifies them, and
 * groups them by kind and allocation stack, applying suppressions.
 * stack_boundary: see hs_scan. hs_leaks_release frees what it kept. */
void hs_leaks_gather(struct hs_report_data *d, const struct hs_backend *backend,
                     uintptr_t stack_boundary);
void hs_leaks_release(struct hs_report_data *d);

const char *hs_error_kind_name(enum hs_error_kind kind);
const char *hs_alloc_kind_name(enum hs_alloc_kind kind);

const char *hs_call_name(enum hs_call call);

void hs_emit_text_stack(struct hs_writer *w, const struct hs_stack *stack);
void hs_emit_text_error(struct hs_writer *w, const struct hs_error *e);
void hs_emit_text_leak_report(struct hs_writer *w, const struct hs_report_data *d);
/* place: where addr falls, or NULL if in no block the backend knows. */
void hs_emit_text_place(struct hs_writer *w, uintptr_t addr, const struct hs_place *place);
void hs_emit_json(struct hs_writer *w, const struct hs_report_data *d);
void hs_json_stack(struct hs_writer *w, const struct hs_stack *stack);

/* The wrappers' parts of the exit report (report/wrappers.c). */
void hs_emit_text_injection(struct hs_writer *w, const struct hs_injection *injection);
void hs_emit_text_wrappers(struct hs_writer *w, const struct hs_report_data *d);
void hs_emit_json_wrappers(struct hs_writer *w, const struct hs_report_data *d);

#endif
