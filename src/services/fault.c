/* The fault service. */
#define _GNU_SOURCE
#include "fault.h"

#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "report.h"

static const struct hs_backend *fault_backend;
static struct sigaction previous;

static uintptr_t faulting_pc(const void *context)
{
#if defined(__x86_64__)
    return (uintptr_t)((const ucontext_t *)context)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)((const ucontext_t *)context)->uc_mcontext.pc;
#else
    (void)context;
    return 0;
#endif
}

static bool diagnose(const siginfo_t *si, const void *context)
{
    struct hs_place place;
    if (si->si_code <= 0 || !fault_backend->locate((uintptr_t)si->si_addr, &place))
        return false;
    struct hs_error e = {
        .address = (uintptr_t)si->si_addr,
        .call = "SIGSEGV",
        .pc = faulting_pc(context),
        .has_block = true,
        .block = place.block,
        .distance = place.distance,
    };
    switch (place.relation) {
    case HS_PAST_END: e.kind = HS_ERR_OVERFLOW; break;
    case HS_BEFORE_START: e.kind = HS_ERR_UNDERFLOW; break;
    case HS_IN_FREED: e.kind = HS_ERR_USE_AFTER_FREE; e.block_freed = true; break;
    default: return false; /* inside a live block: not a fault of ours */
    }
    hs_report_fault(&e);
    return true;
}

static void on_fault(int sig, siginfo_t *si, void *context)
{
    if (diagnose(si, context)) {
        /* Returning re-runs the instruction, which faults again and now
         * kills the process with SIGSEGV as it would have without us. */
        signal(sig, SIG_DFL);
        return;
    }
    /* Not ours: hand the signal to what the program had before us. */
    sigaction(sig, &previous, NULL);
    if (si->si_code <= 0)
        raise(sig); /* sent by kill(): no instruction will raise it again */
}

void hs_fault_install(const struct hs_backend *backend)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    fault_backend = backend;
    sigaction(SIGSEGV, &action, &previous);
}
