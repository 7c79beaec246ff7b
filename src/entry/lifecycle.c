/* The shim's life in a process: initialisation on the first call (which may
 * come from the dynamic loader or libc before any constructor), the
 * constructor, fork handlers, and the exit report. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "config.h"
#include "entry/entry.h"
#include "heapshim.h"
#include "services/core/fault.h"
#include "services/core/lock.h"
#include "services/core/os.h"
#include "services/core/thread.h"
#include "services/leaks/scan.h"
#include "services/leaks/suppress.h"
#include "services/mem/bulk.h"
#include "services/mem/regions.h"
#include "services/report/report.h"
#include "services/report/stderr_origin.h"
#include "services/symbols/symbolize.h"
#include "services/unwind/depot.h"
#include "wrappers/wrappers.h"

const struct hs_backend *hs_active;

enum { INIT_NONE, INIT_RUNNING, INIT_DONE };
static int init_state = INIT_NONE;

void hs_validate_heap(const struct hs_backend *b)
{
    if (!b->validate)
        return;
    b->freeze();
    b->validate();
    b->thaw();
}

void hs_validate_sometimes(const struct hs_backend *b)
{
    static __thread uint64_t calls __attribute__((tls_model("initial-exec")));
    static __thread uint64_t next __attribute__((tls_model("initial-exec"))) = HS_VALIDATE_EVERY;
    if (++calls < next)
        return;
    next = calls + (calls / 8 > HS_VALIDATE_EVERY ? calls / 8 : HS_VALIDATE_EVERY);
    hs_validate_heap(b);
}

/* Reading the configuration allocates nothing, so no call can come back
 * into the shim from this thread while it runs; other threads wait. */
const struct hs_backend *hs_init(void)
{
    int expected = INIT_NONE;
    if (__atomic_compare_exchange_n(&init_state, &expected, INIT_RUNNING, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_ACQUIRE)) {
        hs_config_load();
        const struct hs_backend *b = hs_backend_get(hs_config.backend);
        if (b->init)
            b->init();
        hs_report_init(b);
        __atomic_store_n(&hs_active, hs_chain_build(hs_with_realloc(b)), __ATOMIC_RELEASE);
        __atomic_store_n(&init_state, INIT_DONE, __ATOMIC_RELEASE);
    }
    while (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) != INIT_DONE)
        sched_yield();
    return hs_active;
}

/* Every lock of the shim is held across fork(), taken in the order in which
 * they nest: the report's (writing a report takes the backend's and the
 * wrappers'), the wrappers' and the backend's (the chain takes them
 * outermost first), the stack depot's, bulk memory's (taken when any of
 * those grows), the thread registry's, and the region registry's (taken
 * when any of the others maps memory).
 *
 * The program's handlers registered before these (by a library's
 * constructor, say) run while the locks are held: their prepare after this
 * one, their parent and child handlers before ours. When they allocate,
 * the forking thread must not wait for the locks it holds itself: it is
 * marked as holding them all (hs_lock_forking) meanwhile. */
static void fork_prepare(void)
{
    hs_report_fork_prepare();
    hs_active->fork_prepare();
    hs_depot_fork_prepare();
    hs_bulk_fork_prepare();
    hs_thread_fork_prepare();
    hs_region_fork_prepare();
    hs_lock_forking = true;
}

static void fork_parent(void)
{
    hs_lock_forking = false;
    hs_region_fork_release();
    hs_thread_fork_parent();
    hs_bulk_fork_release();
    hs_depot_fork_release();
    hs_active->fork_parent();
    hs_report_fork_release();
}

static void fork_child(void)
{
    hs_lock_forking = false;
    hs_region_fork_release();
    hs_thread_fork_child();
    hs_bulk_fork_release();
    hs_depot_fork_release();
    hs_active->fork_child();
    hs_report_fork_release();
    hs_symbolize_fork_child();
}

static void load_suppressions(const char *path)
{
    const char *why = hs_suppressions_load(path);
    if (why)
        hs_config_error("HEAPSHIM_SUPPRESSIONS", path, why);
}

/* What may allocate or take libc's locks waits for the constructor, never
 * the first malloc, which can arrive while libc holds those locks. */
__attribute__((constructor)) static void hs_constructor(void)
{
    const struct hs_backend *b = hs_allocator();
    hs_stderr_settle();
    hs_own_begin();
    hs_stderr_keep_at_exit();
    hs_own_end();
    hs_scan_init();
    hs_thread_watch_exits();
    if (hs_config.suppressions)
        load_suppressions(hs_config.suppressions);
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    if (b->start)
        b->start();
    hs_fault_install(b);
}

int __cxa_atexit(void (*handler)(void *), void *arg, void *dso_handle);

static void exit_with_leak_status(void *unused)
{
    (void)unused;
    exit(hs_config.leak_exitcode);
}

/* HEAPSHIM_LEAK_EXITCODE changes the status and nothing else: the process
 * still runs the destructors after ours and flushes stdio. glibc's exit()
 * runs a handler registered while it runs its handlers (the loader's
 * _dl_fini, which calls ours, is one of them) once that one returns, and
 * supports exit() called again from a handler: every handler left is
 * called, stdio is flushed, and the status of the last exit() is the
 * process's. The handler belongs to no library (a null DSO handle): with
 * ours (what atexit() would give), our own __cxa_finalize would run it at
 * once, before the destructors of the libraries after us. Only if it
 * cannot be registered is the status set at once, skipping what is left. */
static void replace_exit_status(void)
{
    if (__cxa_atexit(exit_with_leak_status, NULL, NULL) != 0)
        hs_os_exit(hs_config.leak_exitcode);
}

/* Destructors run from exit() after atexit handlers and the program's own
 * destructors, late enough that what the program frees at exit is freed.
 *
 * A thread found inside the shim called exit() from a signal handler that
 * interrupted a malloc or free (the usual SIGTERM handler): that call may
 * hold the heap's locks and the trace's, and never returns. The trace is
 * not flushed and the report leaves the heap alone. Otherwise the thread is
 * marked inside the shim while the report is written, which allocates
 * nothing: a signal handler that allocates meanwhile is refused as a
 * reentrant call instead of waiting for the locks the scan holds. */
__attribute__((destructor)) static void hs_destructor(void)
{
    if (!hs_active)
        return;
    bool interrupted = hs_thread_in_shim;
    if (!interrupted)
        hs_chain_exit();
    /* Everything of the shim's on this stack lies below this frame. */
    uintptr_t boundary = (uintptr_t)__builtin_frame_address(0);
    hs_thread_in_shim = true;
    if (HS_EXPENSIVE_ON && !interrupted)
        hs_validate_heap(hs_active); /* before the report trusts the heap */
    bool leaked = hs_report_exit(boundary, interrupted);
    hs_thread_in_shim = interrupted;
    if (leaked && hs_config.leak_exitcode)
        replace_exit_status();
}

HS_EXPORT const char *heapshim_backend(void) { return hs_allocator()->name; }
