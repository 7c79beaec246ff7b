/* The report service: heap errors as they happen, and the report at exit.
 * Backends hand it facts (blocks, error kinds, addresses); it decides what
 * is written, in which format, and where. */
#ifndef HS_REPORT_H
#define HS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "services/leaks/scan.h"
#include "wrappers/facts.h"

enum hs_error_kind {
    HS_ERR_DOUBLE_FREE,
    HS_ERR_INVALID_FREE,
    HS_ERR_MISMATCHED_FREE,
    HS_ERR_OVERFLOW,
    HS_ERR_UNDERFLOW,
    HS_ERR_USE_AFTER_FREE,
    HS_ERR_INVALID_REALLOC,
    HS_ERR_OUT_OF_MEMORY,
    /* A call into the shim from a signal handler that interrupted it on
     * the same thread; address: the pointer a free was given, or 0. */
    HS_ERR_REENTRANT_CALL,
};

struct hs_error {
    enum hs_error_kind kind;
    uintptr_t address;      /* the pointer passed, or the faulting address */
    const char *call;       /* what the program called: "free", "realloc"... */
    uintptr_t pc;           /* the faulting instruction, or 0 */
    const struct hs_stack *stack;   /* the bad call's stack, or NULL */
    uint32_t thread;        /* the thread that made the bad call, 0 unknown */
    bool has_block;         /* block describes the block involved */
    bool block_freed;
    struct hs_block block;  /* its stack is the allocation stack */
    const struct hs_stack *free_stack;
    uint32_t free_thread;
    enum hs_alloc_kind released_as; /* mismatched-free: how it was released */
    /* Faults: bytes past the end, before the start, or into the freed
     * block. Redzone and quarantine checks: how many bytes were written. */
    size_t distance;
};

/* Binds the report to the backend whose blocks it lists. */
void hs_report_init(const struct hs_backend *backend);

/* Reports a heap error, then aborts or returns as HEAPSHIM_ON_ERROR says. */
void hs_heap_error(const struct hs_error *e);

/* The report of a process that a fatal signal is about to end, from the
 * signal's handler (which then lets the signal end it): the fault, when
 * the backend diagnosed the signal as one (an hs_error, or NULL), then the
 * exit report marked "ended_by" (such as "signal SIGSEGV"). heap_usable
 * false: the signal came from inside heapshim, which may hold its locks,
 * so the heap is not scanned and the report says so. Waits for no lock
 * without bound; writes no second exit report (in JSON the object an
 * aborting heap error wrote is the one). stack_boundary: as for
 * hs_report_exit. */
void hs_report_fatal_signal(const char *ended_by, const struct hs_error *fault,
                            bool heap_usable, uintptr_t stack_boundary);

/* Reports a reentrant call (HS_ERR_REENTRANT_CALL) from the signal handler
 * that made it, then aborts or returns as HEAPSHIM_ON_ERROR says. The
 * interrupted call below may hold any of the shim's locks and is midway
 * through changing the heap: this takes no lock it could wait for, and no
 * report from now until that call returns (under continue; until the end
 * under abort) looks at the heap. e->stack must outlive the process's
 * report (JSON keeps it until exit). */
void hs_report_reentry(const struct hs_error *e);

/* The wrappers' facts for the exit report: gather fills them when a report
 * is written. Set once, from init. */
void hs_report_set_wrappers(void (*gather)(struct hs_wrapper_facts *out));

/* Reports a failure the fail wrapper injected: at once in text (so that a
 * crash it leads to can be traced to it), with the exit report in JSON. */
void hs_report_injection(const struct hs_injection *injection);

/* fork(): the report's lock is taken before and released after, in the
 * parent and the child alike. */
void hs_report_fork_prepare(void);
void hs_report_fork_release(void);

struct hs_tally {
    size_t bytes, blocks;
};

/* What a leak check found. */
struct hs_leak_counts {
    bool classified;                       /* else only live is set */
    struct hs_tally live;
    struct hs_tally kinds[HS_LEAK_KINDS];  /* less what was suppressed */
    struct hs_tally suppressed;
};

/* A leak check the program asks for (heapshim.h): classifies the live
 * blocks as the exit report does and fills *out. With `write`, also writes
 * the report in text: to the report's destination, or under JSON to
 * stderr, since a process's one JSON object is its exit report.
 * stack_boundary: as for hs_report_exit. */
void hs_report_leak_check(uintptr_t stack_boundary, bool write, struct hs_leak_counts *out);

/* Writes, in text as above, what the backend's locate says of addr: the
 * block it falls in, with its stacks. False (and a line saying so) if addr
 * is in no block the backend knows. The backend must have locate. */
bool hs_report_describe(uintptr_t addr);

/* Writes the exit report. Returns true if definite leaks were found (and
 * not suppressed). stack_boundary: the calling thread's stack below this
 * address belongs to the shim and is no root. interrupted: exit() was
 * called from a signal handler that interrupted the shim on this thread:
 * the heap is not examined (the report says so) and no lock is waited for
 * without bound. */
bool hs_report_exit(uintptr_t stack_boundary, bool interrupted);

#endif
