/* Heap errors as they happen: what a backend, an entry point or the fault
 * handler hands the report service when the program misuses the heap (a
 * double free, an invalid free, a mismatched pair, an overflow...). The
 * report service (report.c) decides what is written, in which format, and
 * where; this is all a backend needs of it. */
#ifndef HS_REPORT_ERRORS_H
#define HS_REPORT_ERRORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

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
    uintptr_t address;            /* the pointer passed, or the faulting address */
    const char *call;             /* what the program called: "free", "realloc"... */
    uintptr_t pc;                 /* the faulting instruction, or 0 */
    const struct hs_stack *stack; /* the bad call's stack, or NULL */
    uint32_t thread;              /* the thread that made the bad call, 0 unknown */
    bool has_block;               /* block describes the block involved */
    bool block_freed;
    struct hs_block block; /* its stack is the allocation stack */
    const struct hs_stack *free_stack;
    uint32_t free_thread;
    enum hs_alloc_kind released_as; /* mismatched-free: how it was released */
    /* Faults: bytes past the end, before the start, or into the freed
     * block. Redzone and quarantine checks: how many bytes were written. */
    size_t distance;
};

/* Reports a heap error, then aborts or returns as HEAPSHIM_ON_ERROR says. */
void hs_heap_error(const struct hs_error *e);

/* Reports a reentrant call (HS_ERR_REENTRANT_CALL) from the signal handler
 * that made it, then aborts or returns as HEAPSHIM_ON_ERROR says. The
 * interrupted call below may hold any of the shim's locks and is midway
 * through changing the heap: this takes no lock it could wait for, and no
 * report from now until that call returns (under continue; until the end
 * under abort) looks at the heap. e->stack must outlive the process's
 * report (JSON keeps it until exit). */
void hs_report_reentry(const struct hs_error *e);

#endif
