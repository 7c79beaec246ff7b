/* The fault service: what the shim does when a fatal signal ends the
 * process.
 *
 * It handles the signals whose default action ends a process with a core
 * dump and that a crash raises: the synchronous faults SIGSEGV, SIGBUS,
 * SIGILL, SIGFPE and SIGTRAP, and SIGABRT (abort(), failed assertions, a
 * heap error under HEAPSHIM_ON_ERROR=abort); each only where the program's
 * action is still the default when the shim starts. A handler the program
 * installs later replaces the shim's. No other signal is touched: SIGINT,
 * SIGTERM and the rest keep reading as SIG_DFL (CPython, for one, installs
 * its KeyboardInterrupt handler only then).
 *
 * On such a signal the process writes its exit report, marked with the
 * signal, after the diagnosis of the fault when the backend's guard pages
 * tell which block it hit; then the signal ends the process as it would
 * have without the shim: same status, same core dump, same view for the
 * parent. A process that ends otherwise leaves no report: by _exit or
 * SIGKILL, by a signal the shim does not handle (SIGTERM, SIGINT...), by a
 * handler of the program's own, or by a stack overflow (no stack is left to
 * run a handler on, unless the program gave the thread an alternate one).
 *
 * The program does not see these handlers: sigaction reports the default
 * action where one is (so a runtime that installs a crash handler only over
 * the default, such as Rust's stack overflow handler, still does, and
 * replaces the shim's). The page backend's SIGSEGV handler is the exception:
 * it shows, as it always did, and also goes over a handler the program had
 * when the shim started, which then gets every SIGSEGV that is not on a
 * guard page or a freed block. A program that installs a handler of its own
 * for one of these signals on an alternate signal stack, where it may call
 * abort() with no room for one more signal frame, gets SIGABRT's default
 * action back, and its aborts leave no report. A program that installs the
 * default action over a hidden handler (putting back the "old" action it
 * saved) keeps the shim's handler, which ends the process by that default
 * action after the report. */
#ifndef HS_FAULT_H
#define HS_FAULT_H

#include <signal.h>

#include "backend.h"

/* Installs the handlers, from the constructor. A backend that `faults` has
 * its locate asked about every SIGSEGV. */
void hs_fault_install(const struct hs_backend *backend);

/* sigaction(sig, action, old) as the program sees it; returns what
 * glibc's returns (errno set on -1). action and old may be the same. The
 * default action for a signal whose handler the shim installed at start
 * installs that handler again (a program that saved the "old" action, the
 * default it was shown, and puts it back keeps the report). On success,
 * makes *old (if any) what the program would see without the shim (the
 * default action in place of a hidden handler), and steps the SIGABRT
 * handler aside when `action` (if any) runs a handler of the program's on
 * an alternate signal stack for a signal the shim handles. */
int hs_fault_program_sigaction(int sig, const struct sigaction *action, struct sigaction *old);

#endif
