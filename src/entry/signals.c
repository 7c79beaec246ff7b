/* sigaction as the program sees it: the shim's fatal-signal handlers
 * (services/core/fault.h) read as the default action they replaced, so that a
 * program that installs a handler of its own only over the default still
 * does (services/core/fault.h says what else it does), and a program that puts
 * back the default it was shown keeps them. glibc's signal() and its other
 * callers inside libc call glibc's sigaction directly, and see the shim's
 * handler. */
#define _GNU_SOURCE
#include <signal.h>

#include "entry/entry.h"
#include "services/core/fault.h"

HS_EXPORT int sigaction(int sig, const struct sigaction *action, struct sigaction *old)
{
    return hs_fault_program_sigaction(sig, action, old);
}
