/* The report service's reports on the whole heap: the exit report (however
 * the process ends), the leak check and the description of an address the
 * program asks for. The heap errors reported as they happen are in
 * errors.h, what the wrappers hand the report in wrappers.h. */
#ifndef HS_REPORT_H
#define HS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "services/leaks/scan.h"

struct hs_error;

/* Binds the report to the backend whose blocks it lists. */
void hs_report_init(const struct hs_backend *backend);

/* The report of a process that a fatal signal is about to end, from the
 * signal's handler (which then lets the signal end it): the fault, when
 * the backend diagnosed the signal as one (an hs_error, or NULL), then the
 * exit report marked "ended_by" (such as "signal SIGSEGV"). heap_usable
 * false: the signal came from inside heapshim, which may hold its locks,
 * so the heap is not scanned and the report says so. Waits for no lock
 * without bound; writes no second exit report (in JSON the object an
 * aborting heap error wrote is the one). stack_boundary: as for
 * hs_report_exit. */
void hs_report_fatal_signal(const char *ended_by, const struct hs_error *fault, bool heap_usable,
                            uintptr_t stack_boundary);

/* fork(): the report's lock is taken before and released after, in the
 * parent and the child alike. */
void hs_report_fork_prepare(void);
void hs_report_fork_release(void);

struct hs_tally {
    size_t bytes, blocks;
};

/* What a leak check found. */
struct hs_leak_counts {
    bool classified; /* else only live is set */
    struct hs_tally live;
    struct hs_tally kinds[HS_LEAK_KINDS]; /* less what was suppressed */
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
