/* The report service: gathers what the report says and sends it to the
 * emitter of the configured format, on the configured destination.
 *
 * Text errors are written as they happen. In JSON a process writes exactly
 * one object, so errors are kept (the first HS_ERRORS_KEPT of them) and go
 * out with the exit report, or at once with the summary when an error ends
 * the process.
 *
 * A process that a fatal signal ends writes its exit report from the
 * signal's handler (services/core/fault.c), marked with the signal; a process
 * writes one exit report, whichever way it ends.
 *
 * It serves three headers (report.h, errors.h, wrappers.h) from one file:
 * the errors and injections it keeps are part of the exit report, and one
 * lock orders everything it writes. */
#include "services/report/report.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "services/core/lock.h"
#include "services/core/os.h"
#include "services/core/thread.h"
#include "services/report/data.h"
#include "services/report/errors.h"
#include "services/report/fmt.h"
#include "services/report/wrappers.h"
#include "services/report/writer.h"

static const struct hs_backend *report_backend;
static hs_lock report_lock = HS_LOCK_INIT;
static struct hs_error kept_errors[HS_ERRORS_KEPT];
static size_t error_count;
static struct hs_injection kept_injections[HS_INJECTIONS_KEPT];
static size_t injection_count;
static void (*gather_wrappers)(struct hs_wrapper_facts *out);
/* The process's exit report is written: in JSON, also when an error that
 * aborts the process wrote the one object. */
static bool exit_report_written;
/* A heap error is aborting the process: it holds none of the shim's locks. */
static bool aborting_on_error;
/* Why the heap (its blocks, the backend's facts, the wrappers') is not
 * looked at, or NULL: set while a signal handler's reentrant call is
 * reported, and for the exit report of an exit() called from a handler that
 * interrupted the shim, since the interrupted call may hold the heap's
 * locks or be midway through a change. */
static const char *heap_not_examined;
/* An abort() of the shim's is under way: a reentrant call made by the
 * program's SIGABRT handler is refused, never aborted again. */
static bool abort_started;
/* This thread holds the report's lock: a reentrant call from a handler that
 * interrupted the report must not wait for it. */
static __thread bool writing_report __attribute__((tls_model("initial-exec")));

void hs_report_init(const struct hs_backend *backend) { report_backend = backend; }

void hs_report_set_wrappers(void (*gather)(struct hs_wrapper_facts *out))
{
    gather_wrappers = gather;
}

/* A report file is appended to, never truncated, and locked while one
 * process writes (writer.h): the processes of a program that forks or runs
 * others without "%p" in the name all keep their reports, each whole. */
static void open_destination(struct hs_writer *w) { hs_writer_open(w, hs_config.report); }

/* Text the program asks for: to the destination in text; under JSON to
 * stderr, since a process's one JSON object is its exit report. */
static void open_for_text(struct hs_writer *w)
{
    if (hs_config.report_format == HS_FORMAT_TEXT)
        open_destination(w);
    else
        hs_writer_open(w, NULL);
}

/* heap_usable false: a fatal signal came from inside the shim, which may
 * hold the locks of the heap and the wrappers: none of them is looked at. */
static void gather(struct hs_report_data *d, uintptr_t stack_boundary, bool at_exit,
                   bool heap_usable)
{
    memset(d, 0, sizeof *d);
    d->backend = report_backend->name;
    d->pid = hs_os_getpid();
    d->at_exit = at_exit;
    if (heap_not_examined) {
        d->facts.note = heap_not_examined;
    } else if (!heap_usable) {
        d->facts.note = "the fatal signal came from inside heapshim, which may have held the "
                        "heap's locks or been changing its tables: the heap was not scanned";
    } else {
        hs_leaks_gather(d, report_backend, stack_boundary);
        report_backend->facts(&d->facts);
    }
    d->errors = kept_errors;
    d->error_count = error_count < HS_ERRORS_KEPT ? error_count : HS_ERRORS_KEPT;
    d->errors_dropped = error_count - d->error_count;
    if (gather_wrappers && heap_usable && !heap_not_examined)
        gather_wrappers(&d->wrappers);
    d->injections = kept_injections;
    d->injection_count =
        injection_count < HS_INJECTIONS_KEPT ? injection_count : HS_INJECTIONS_KEPT;
    d->injections_dropped = injection_count - d->injection_count;
}

static void keep(const struct hs_error *e)
{
    if (error_count < HS_ERRORS_KEPT)
        kept_errors[error_count] = *e;
    error_count++;
}

/* The text leak report, and a word on threads the scan could not stop
 * (stop.h): their registers were not read, so the counts may be off. */
static void emit_text_leaks(struct hs_writer *w, const struct hs_report_data *d)
{
    hs_emit_text_leak_report(w, d);
    if (d->classified && d->threads_running)
        hs_printf(w,
                  "heapshim: note: %zu other thread%s kept running during the leak scan "
                  "(blocking SIGURG, held by a debugger, or slow to stop): %s registers were not "
                  "read\n",
                  d->threads_running, d->threads_running == 1 ? "" : "s",
                  d->threads_running == 1 ? "its" : "their");
}

/* The exit report: in the configured format, unless written already. */
static void write_exit_report(const struct hs_report_data *d)
{
    struct hs_writer w;
    if (exit_report_written)
        return;
    open_destination(&w);
    if (hs_config.report_format == HS_FORMAT_JSON)
        hs_emit_json(&w, d);
    else
        emit_text_leaks(&w, d);
    hs_writer_close(&w);
    exit_report_written = true;
}

/* Writes one error; in JSON with `final` (the process aborts next), the
 * whole object for the process. to_stderr: in text to stderr, not the
 * report's destination (whose file this thread holds locked). */
static void write_error(const struct hs_error *e, bool final, bool to_stderr)
{
    struct hs_writer w;
    keep(e);
    if (hs_config.report_format == HS_FORMAT_TEXT) {
        if (to_stderr)
            hs_writer_open(&w, NULL);
        else
            open_destination(&w);
        hs_emit_text_error(&w, e);
        hs_writer_close(&w);
    } else if (final && !exit_report_written) {
        struct hs_report_data d;
        gather(&d, (uintptr_t)__builtin_frame_address(0), true, true);
        d.ended_by = "signal SIGABRT";
        write_exit_report(&d);
        hs_leaks_release(&d);
    }
}

static void take_report_lock(void)
{
    hs_lock_acquire(&report_lock);
    writing_report = true;
}

static void release_report_lock(void)
{
    writing_report = false;
    hs_lock_release(&report_lock);
}

/* The backends call this holding none of their locks. Before abort() the
 * thread leaves the shim for good: the program's SIGABRT handler may
 * allocate (a crash log) or siglongjmp out (a test runner), and its calls
 * are then ordinary calls, not reentrant ones. */
void hs_heap_error(const struct hs_error *e)
{
    bool fatal = hs_config.on_error == HS_ON_ERROR_ABORT;
    take_report_lock();
    write_error(e, fatal, false);
    aborting_on_error = fatal;
    release_report_lock();
    if (fatal) {
        __atomic_store_n(&abort_started, true, __ATOMIC_RELAXED);
        hs_thread_in_shim = false;
        abort();
    }
}

void hs_report_injection(const struct hs_injection *injection)
{
    struct hs_writer w;
    take_report_lock();
    if (injection_count < HS_INJECTIONS_KEPT)
        kept_injections[injection_count] = *injection;
    injection_count++;
    if (hs_config.report_format == HS_FORMAT_TEXT) {
        open_destination(&w);
        hs_emit_text_injection(&w, injection);
        hs_writer_close(&w);
    }
    release_report_lock();
}

/* From a signal handler: the report's lock, waiting a second at most for
 * another thread to let it go. False if it is still taken: its holder may
 * be the thread that crashed, and the report goes on without it. The
 * second is on the clock: a leak scan may stop this thread for long. */
static bool take_report_lock_bounded(void)
{
    uint64_t give_up = hs_os_now_ms() + 1000;
    while (!hs_lock_try(&report_lock)) {
        if (hs_single_threaded() || hs_os_now_ms() >= give_up)
            return false;
        hs_os_sleep_ms(10);
    }
    writing_report = true;
    return true;
}

void hs_report_fatal_signal(const char *ended_by, const struct hs_error *fault, bool heap_usable,
                            uintptr_t stack_boundary)
{
    bool locked = !writing_report && take_report_lock_bounded();
    if (fault)
        write_error(fault, false, false);
    struct hs_report_data d;
    gather(&d, stack_boundary, true, heap_usable || aborting_on_error);
    d.ended_by = ended_by;
    write_exit_report(&d);
    hs_leaks_release(&d);
    if (locked)
        release_report_lock();
}

/* When the interrupted call was writing a report, this thread holds the
 * lock and the report's file, and maybe the locks symbolizing takes: the
 * error is written to stderr in text, without its stack, and in JSON is in
 * no report.
 * When another thread holds it past the bounded wait, the error is written
 * all the same if the process ends on it, so that it says why. Inside an
 * abort() already under way (the program's SIGABRT handler allocating) the
 * call is refused, never aborted again. */
void hs_report_reentry(const struct hs_error *e)
{
    static const char why[] = "the heap was not examined: a signal handler called heapshim while "
                              "this thread was inside it (reentrant-call)";
    bool fatal = hs_config.on_error == HS_ON_ERROR_ABORT &&
                 !__atomic_load_n(&abort_started, __ATOMIC_RELAXED);
    const char *was = heap_not_examined;
    heap_not_examined = why;
    if (writing_report) {
        struct hs_error bare = *e;
        bare.stack = NULL;
        write_error(&bare, false, true);
    } else {
        bool locked = take_report_lock_bounded();
        if (locked || fatal)
            write_error(e, fatal, false);
        if (locked)
            release_report_lock();
    }
    heap_not_examined = fatal ? why : was;
    if (fatal) {
        __atomic_store_n(&abort_started, true, __ATOMIC_RELAXED);
        abort();
    }
}

void hs_report_fork_prepare(void) { hs_lock_acquire(&report_lock); }

void hs_report_fork_release(void) { hs_lock_release(&report_lock); }

/* Interrupted: the heap is skipped as for a reentrant call (the same
 * "not examined" report), and the lock is waited for a bounded time, since
 * this thread may hold it below the handler. */
bool hs_report_exit(uintptr_t stack_boundary, bool interrupted)
{
    struct hs_report_data d;
    bool locked;
    if (interrupted) {
        heap_not_examined = "the heap was not examined: exit() was called from a signal handler "
                            "that interrupted heapshim on this thread, which may hold the heap's "
                            "locks or be changing its tables";
        locked = !writing_report && take_report_lock_bounded();
    } else {
        if (report_backend->check_all)
            report_backend->check_all();
        take_report_lock();
        locked = true;
    }
    gather(&d, stack_boundary, true, true);
    write_exit_report(&d);
    hs_leaks_release(&d);
    if (locked)
        release_report_lock();
    return d.kinds[HS_DEFINITE].blocks > 0;
}

void hs_report_leak_check(uintptr_t stack_boundary, bool write, struct hs_leak_counts *out)
{
    struct hs_report_data d;
    struct hs_writer w;
    take_report_lock();
    gather(&d, stack_boundary, false, true);
    if (write) {
        open_for_text(&w);
        emit_text_leaks(&w, &d);
        hs_writer_close(&w);
    }
    hs_leaks_release(&d);
    release_report_lock();
    out->classified = d.classified;
    out->live = (struct hs_tally){d.live_bytes, d.live_blocks};
    memcpy(out->kinds, d.kinds, sizeof out->kinds);
    out->suppressed = d.suppressed;
}

bool hs_report_describe(uintptr_t addr)
{
    struct hs_place place;
    struct hs_writer w;
    memset(&place, 0, sizeof place);
    bool found = report_backend->locate(addr, &place);
    take_report_lock();
    open_for_text(&w);
    hs_emit_text_place(&w, addr, found ? &place : NULL);
    hs_writer_close(&w);
    release_report_lock();
    return found;
}
