/* The report service: gathers what the report says and sends it to the
 * emitter of the configured format, on the configured destination.
 *
 * Text errors are written as they happen. In JSON a process writes exactly
 * one object, so errors are kept (the first HS_ERRORS_KEPT of them) and go
 * out with the exit report, or at once with the summary when an error ends
 * the process. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "fmt.h"
#include "lock.h"
#include "os.h"
#include "report_data.h"
#include "writer.h"

static const struct hs_backend *report_backend;
static hs_lock report_lock = HS_LOCK_INIT;
static struct hs_error kept_errors[HS_ERRORS_KEPT];
static size_t error_count;
static struct hs_injection kept_injections[HS_INJECTIONS_KEPT];
static size_t injection_count;
static void (*gather_wrappers)(struct hs_wrapper_facts *out);
static bool json_written;
/* The process that last opened the report destination: a file is truncated
 * when first opened, and appended to after, also by a forked child unless
 * "%p" gives the child a file of its own. */
static pid_t report_opened_by;

void hs_report_init(const struct hs_backend *backend)
{
    report_backend = backend;
}

void hs_report_set_wrappers(void (*gather)(struct hs_wrapper_facts *out))
{
    gather_wrappers = gather;
}

static void open_destination(struct hs_writer *w)
{
    pid_t self = hs_os_getpid();
    bool per_process = hs_config.report && strstr(hs_config.report, "%p");
    bool fresh = report_opened_by == 0 || (per_process && report_opened_by != self);
    hs_writer_open(w, hs_config.report, fresh);
    report_opened_by = self;
}

/* Text the program asks for: to the destination in text; under JSON to
 * stderr, since a process's one JSON object is its exit report. */
static void open_for_text(struct hs_writer *w)
{
    if (hs_config.report_format == HS_FORMAT_TEXT)
        open_destination(w);
    else
        hs_writer_open(w, NULL, false);
}

static void gather(struct hs_report_data *d, uintptr_t stack_boundary, bool at_exit)
{
    memset(d, 0, sizeof *d);
    d->backend = report_backend->name;
    d->pid = hs_os_getpid();
    d->at_exit = at_exit;
    hs_leaks_gather(d, report_backend, stack_boundary);
    report_backend->facts(&d->facts);
    d->errors = kept_errors;
    d->error_count = error_count < HS_ERRORS_KEPT ? error_count : HS_ERRORS_KEPT;
    d->errors_dropped = error_count - d->error_count;
    if (gather_wrappers)
        gather_wrappers(&d->wrappers);
    d->injections = kept_injections;
    d->injection_count = injection_count < HS_INJECTIONS_KEPT ? injection_count
                                                               : HS_INJECTIONS_KEPT;
    d->injections_dropped = injection_count - d->injection_count;
}

static void keep(const struct hs_error *e)
{
    if (error_count < HS_ERRORS_KEPT)
        kept_errors[error_count] = *e;
    error_count++;
}

/* Writes one error; in JSON with `final`, the whole object for the process. */
static void write_error(const struct hs_error *e, bool final)
{
    struct hs_writer w;
    keep(e);
    if (hs_config.report_format == HS_FORMAT_TEXT) {
        open_destination(&w);
        hs_emit_text_error(&w, e);
        hs_writer_close(&w);
    } else if (final && !json_written) {
        struct hs_report_data d;
        gather(&d, (uintptr_t)__builtin_frame_address(0), true);
        open_destination(&w);
        hs_emit_json(&w, &d);
        hs_writer_close(&w);
        hs_leaks_release(&d);
        json_written = true;
    }
}

void hs_heap_error(const struct hs_error *e)
{
    bool fatal = hs_config.on_error == HS_ON_ERROR_ABORT;
    hs_lock_acquire(&report_lock);
    write_error(e, fatal);
    hs_lock_release(&report_lock);
    if (fatal)
        abort();
}

void hs_report_injection(const struct hs_injection *injection)
{
    struct hs_writer w;
    hs_lock_acquire(&report_lock);
    if (injection_count < HS_INJECTIONS_KEPT)
        kept_injections[injection_count] = *injection;
    injection_count++;
    if (hs_config.report_format == HS_FORMAT_TEXT) {
        open_destination(&w);
        hs_emit_text_injection(&w, injection);
        hs_writer_close(&w);
    }
    hs_lock_release(&report_lock);
}

void hs_report_fault(const struct hs_error *e)
{
    /* The faulting thread may have been interrupted inside the report. */
    bool locked = hs_lock_try(&report_lock);
    write_error(e, true);
    if (locked)
        hs_lock_release(&report_lock);
}

void hs_report_fork_prepare(void)
{
    hs_lock_acquire(&report_lock);
}

void hs_report_fork_release(void)
{
    hs_lock_release(&report_lock);
}

/* The text leak report, and a word on threads the scan could not stop
 * (stop.h): their registers were not read, so the counts may be off. */
static void emit_text_leaks(struct hs_writer *w, const struct hs_report_data *d)
{
    hs_emit_text_leak_report(w, d);
    if (d->classified && d->threads_running)
        hs_printf(w, "heapshim: note: %zu other thread%s kept running during the leak scan "
                  "(blocking SIGURG, held by a debugger, or slow to stop): %s registers were not "
                  "read\n",
                  d->threads_running, d->threads_running == 1 ? "" : "s",
                  d->threads_running == 1 ? "its" : "their");
}

bool hs_report_exit(uintptr_t stack_boundary)
{
    struct hs_report_data d;
    struct hs_writer w;
    if (report_backend->check_all)
        report_backend->check_all();
    hs_lock_acquire(&report_lock);
    gather(&d, stack_boundary, true);
    if (!json_written) {
        open_destination(&w);
        if (hs_config.report_format == HS_FORMAT_JSON)
            hs_emit_json(&w, &d);
        else
            emit_text_leaks(&w, &d);
        hs_writer_close(&w);
        json_written = hs_config.report_format == HS_FORMAT_JSON;
    }
    hs_leaks_release(&d);
    hs_lock_release(&report_lock);
    return d.kinds[HS_DEFINITE].blocks > 0;
}

void hs_report_leak_check(uintptr_t stack_boundary, bool write, struct hs_leak_counts *out)
{
    struct hs_report_data d;
    struct hs_writer w;
    hs_lock_acquire(&report_lock);
    gather(&d, stack_boundary, false);
    if (write) {
        open_for_text(&w);
        emit_text_leaks(&w, &d);
        hs_writer_close(&w);
    }
    hs_leaks_release(&d);
    hs_lock_release(&report_lock);
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
    hs_lock_acquire(&report_lock);
    open_for_text(&w);
    hs_emit_text_place(&w, addr, found ? &place : NULL);
    hs_writer_close(&w);
    hs_lock_release(&report_lock);
    return found;
}
