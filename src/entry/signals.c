/* sigaction as the program sees it: the shim's fatal-signal handlers
 * (services/fault.h) read as the default action they replaced, so that a
 * program that installs a handler of its own only over the default still
 * does (services/fault.h says what else it does). glibc's signal() and its
 * other callers inside libc call glibc's sigaction directly, and see the
 * shim's handler. */
#define _GNU_SOURCE
#include <signal.h>

#include "../services/fault.h"
#include "entry.h"

int __sigaction(int sig, const struct sigaction *action, struct sigaction *old);

HS_EXPORT int sigaction(int sig, const struct sigaction *action, struct sigaction *old)
{
    int result = __sigaction(sig, action, old);
    if (result == 0)
        hs_fault_program_sigaction(sig, action, old);
    return result;
}
