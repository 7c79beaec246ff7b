/* The fault service: the handler that writes the report of a process a
 * fatal signal ends, then lets the signal end it.
 *
 * One report, never a hang, never a loop. The first thread to get a fatal
 * signal claims the end and writes the report; another that gets one
 * meanwhile waits for it to end the process. While the report is written,
 * the handlers stay installed (another thread's fault must find one that
 * makes it wait, not the default action that would end the process with no
 * report) and the first signal is unblocked, so that a fault inside the
 * report (the claiming thread again, by any signal) ends the process at
 * once by that first signal, and a timer sends it to the thread after
 * WATCHDOG_SECONDS: a report stuck on a lock that a crashed thread holds
 * still ends as the signal would have. The report is skipped where the
 * stack has less room left than it needs (a thread's small stack, a small
 * alternate signal stack), and the signal ends the process plain, unless
 * another thread writes one: it then waits for that thread. A signal
 * raised with a frame of the shim's on the interrupted stack (a crash
 * inside the allocator) leaves the heap, whose locks that frame may hold,
 * alone. */
#define _GNU_SOURCE
#include "services/core/fault.h"

#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "services/core/os.h"
#include "services/core/thread.h"
#include "services/report/errors.h"
#include "services/report/report.h"
#include "services/unwind/stack.h"

#define WATCHDOG_SECONDS 20
/* Longer than the watchdog: the claiming thread ends the process first. */
#define WAIT_FOR_THE_END_MS 25000
#define FRAMES_LOOKED_AT 48
/* Stack the report needs, with room to spare (it was measured to fit in
 * 32 KiB, not in 16 KiB). */
#define REPORT_STACK_NEEDED (64 * 1024)

static const struct {
    int number;
    const char *ended_by;
} handled[] = {
    {SIGSEGV, "signal SIGSEGV"}, {SIGBUS, "signal SIGBUS"},   {SIGILL, "signal SIGILL"},
    {SIGFPE, "signal SIGFPE"},   {SIGTRAP, "signal SIGTRAP"}, {SIGABRT, "signal SIGABRT"},
};

static const struct hs_backend *fault_backend;
/* The page backend's handler went over this one of the program's. */
static bool segv_chains;
static struct sigaction program_segv;
/* The thread writing the report of the end (0: none yet), and its signal. */
static pid_t ending_thread;
static int ending_signal;
/* The signals whose handler the shim installed at start. */
static bool installed[NSIG];
/* SIGABRT's default action given back (step_aside_for). */
static bool abort_stepped_aside;

/* What the report says of sig; NULL for a signal the shim does not handle. */
static const char *ended_by(int sig)
{
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
        if (handled[i].number == sig)
            return handled[i].ended_by;
    return NULL;
}

/* glibc's sigaction under the name it also exports: the shim's own
 * `sigaction` is the program's view (entry/signals.c). */
int __sigaction(int sig, const struct sigaction *action, struct sigaction *old);

static void set_default_action(int sig)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    __sigaction(sig, &action, NULL);
}

static void set_blocked(int sig, bool blocked)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* Ends the process at once by sig, from a handler. */
static _Noreturn void end_now(int sig)
{
    set_default_action(sig);
    set_blocked(sig, false);
    hs_os_signal_self(sig);
    hs_os_exit(128 + sig); /* not reached: the signal ends the process first */
}

/* With sig's action the default: a fault returns to its instruction, which
 * faults again; a signal that was sent (or a trap, which has run its
 * instruction) is sent again, and delivered when the handler returns, where
 * the first one interrupted the program. */
static void let_the_signal_end(int sig, const siginfo_t *si)
{
    set_default_action(sig);
    bool refaults = si && si->si_code > 0 &&
                    (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE);
    if (refaults)
        return;
    set_blocked(sig, true);
    hs_os_signal_self(sig);
}

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

/* A SIGSEGV on a guard page or a freed block of a backend that faults:
 * the heap error it is, in *e. */
static bool diagnose(const siginfo_t *si, const void *context, struct hs_error *e)
{
    struct hs_place place;
    memset(&place, 0, sizeof place); /* locate's contract: the caller zeroes it */
    if (!fault_backend->faults || !si || si->si_code <= 0 ||
        !fault_backend->locate((uintptr_t)si->si_addr, &place))
        return false;
    *e = (struct hs_error){
        .address = (uintptr_t)si->si_addr,
        .call = "SIGSEGV",
        .pc = faulting_pc(context),
        .has_block = true,
        .block = place.block,
        .distance = place.distance,
    };
    switch (place.relation) {
    case HS_PAST_END: e->kind = HS_ERR_OVERFLOW; break;
    case HS_BEFORE_START: e->kind = HS_ERR_UNDERFLOW; break;
    case HS_IN_FREED:
        e->kind = HS_ERR_USE_AFTER_FREE;
        e->block_freed = true;
        break;
    default: return false; /* inside a live block: not a fault of ours */
    }
    return true;
}

/* A SIGSEGV that is not the backend's, to the handler the program had. */
static void hand_to_program(int sig, const siginfo_t *si)
{
    __sigaction(sig, &program_segv, NULL);
    if (!si || si->si_code <= 0)
        hs_os_signal_self(sig); /* sent by kill(): no instruction will raise it again */
}

/* True if this thread is to write the report (never when it may not
 * claim the end: no room for the report). One that gets here while
 * another writes it waits for that one to end the process. */
static bool claim_the_end(int sig, bool may_claim)
{
    pid_t expected = 0;
    if (may_claim && __atomic_compare_exchange_n(&ending_thread, &expected, hs_os_gettid(), false,
                                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        ending_signal = sig;
        return true;
    }
    if (__atomic_load_n(&ending_thread, __ATOMIC_ACQUIRE) == 0)
        return false; /* nobody writes one */
    for (unsigned waited = 0; waited < WAIT_FOR_THE_END_MS; waited += 100)
        hs_os_sleep_ms(100);
    return false;
}

/* False when the stack the handler runs on has less room left than the
 * report needs: an alternate signal stack (Rust gives each thread a small
 * one, and aborts on it after a stack overflow), or a thread's stack of a
 * few pages, whose guard page lies below. The report would overflow it
 * into a second fault, which might end the process by another signal.
 * Every page of the room is probed: below a small stack's guard may lie
 * another thread's stack. */
static bool room_for_the_report(void)
{
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    stack_t alternate;
    if (sigaltstack(NULL, &alternate) == 0 && (alternate.ss_flags & SS_ONSTACK) &&
        here - (uintptr_t)alternate.ss_sp < REPORT_STACK_NEEDED)
        return false;
    size_t page = hs_os_page_size();
    for (uintptr_t below = page; below <= REPORT_STACK_NEEDED; below += page)
        if (!hs_os_writable((here & ~(uintptr_t)(page - 1)) - below))
            return false;
    return true;
}

/* True if the signal interrupted the shim; without a context (a handler
 * installed without SA_SIGINFO), if this thread is inside a call into it. */
static bool raised_inside_shim(const void *context)
{
    if (!context)
        return hs_thread_in_shim;
    uintptr_t pcs[FRAMES_LOOKED_AT];
    unsigned depth = hs_stack_capture_context(context, pcs, FRAMES_LOOKED_AT);
    for (unsigned i = 0; i < depth; i++)
        if (hs_stack_in_shim(pcs[i]))
            return true;
    return false;
}

static void report_the_end(int sig, const struct hs_error *fault, const void *context,
                           uintptr_t stack_boundary)
{
    set_blocked(sig, false);
    int watchdog = hs_os_timer_signal_self(sig, WATCHDOG_SECONDS);
    bool inside = raised_inside_shim(context);
    hs_report_fatal_signal(ended_by(sig), fault, !inside, stack_boundary);
    hs_os_timer_cancel(watchdog);
}

static bool is_default(const struct sigaction *action)
{
    return !(action->sa_flags & SA_SIGINFO) && action->sa_handler == SIG_DFL;
}

/* glibc's signal(), sigset() and bsd_signal() see the shim's handler, and
 * may put it back without SA_SIGINFO: it then gets no siginfo and no
 * context, only garbage in their places. */
static bool has_siginfo(int sig)
{
    struct sigaction now;
    return __sigaction(sig, NULL, &now) == 0 && (now.sa_flags & SA_SIGINFO);
}

static void on_fatal_signal(int sig, siginfo_t *si, void *context)
{
    if (__atomic_load_n(&ending_thread, __ATOMIC_ACQUIRE) == hs_os_gettid())
        end_now(ending_signal); /* a fault inside the report */
    if (!has_siginfo(sig))
        si = NULL, context = NULL;
    struct hs_error fault;
    bool diagnosed = sig == SIGSEGV && diagnose(si, context, &fault);
    if (sig == SIGSEGV && segv_chains && !diagnosed) {
        hand_to_program(sig, si);
        return;
    }
    /* Everything of the shim's on this stack lies below this frame. */
    uintptr_t boundary = (uintptr_t)__builtin_frame_address(0);
    if (claim_the_end(sig, room_for_the_report()))
        report_the_end(sig, diagnosed ? &fault : NULL, context, boundary);
    let_the_signal_end(sig, si);
}

static void our_action(struct sigaction *action)
{
    memset(action, 0, sizeof *action);
    action->sa_sigaction = on_fatal_signal;
    action->sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action->sa_mask);
}

void hs_fault_install(const struct hs_backend *backend)
{
    struct sigaction action;
    our_action(&action);
    fault_backend = backend;
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++) {
        int sig = handled[i].number;
        struct sigaction old;
        if (__sigaction(sig, NULL, &old) != 0)
            continue;
        if (sig == SIGSEGV && backend->faults && !is_default(&old)) {
            program_segv = old;
            segv_chains = true;
        } else if (!is_default(&old)) {
            continue;
        }
        if (__sigaction(sig, &action, NULL) == 0)
            installed[sig] = true;
    }
}

/* Whatever its flags: glibc's signal() may have put it back without
 * SA_SIGINFO (sa_handler and sa_sigaction share their place). */
static bool is_ours(const struct sigaction *action)
{
    return action->sa_sigaction == on_fatal_signal;
}

/* A crash handler of the program's on an alternate signal stack may call
 * abort() there, on a stack too small for one more signal frame (Rust's,
 * after a stack overflow, has 8 KiB): the kernel would then kill the
 * process by SIGSEGV before the shim's SIGABRT handler ran. Its default
 * action needs no frame, so it gets it back. (Other handlers on the
 * alternate stack, such as CPython's for SIGINT, do not crash there.) */
static void step_aside_for(int sig, const struct sigaction *action)
{
    struct sigaction abort_action;
    bool handler = (action->sa_flags & SA_SIGINFO) ||
                   (action->sa_handler != SIG_DFL && action->sa_handler != SIG_IGN);
    if (!handler || !(action->sa_flags & SA_ONSTACK) || sig == SIGABRT || ended_by(sig) == NULL)
        return;
    if (__sigaction(SIGABRT, NULL, &abort_action) == 0 && is_ours(&abort_action)) {
        abort_stepped_aside = true;
        set_default_action(SIGABRT);
    }
}

/* True if the program's `action` for sig, the default, is to be the shim's
 * handler: one the shim installed at start, and hid from the program as
 * the default, which a program that saved the "old" action puts back. The
 * process still ends by the default action. */
static bool keeps_ours(int sig, const struct sigaction *action)
{
    return sig > 0 && sig < NSIG && installed[sig] && is_default(action) &&
           !(sig == SIGABRT && __atomic_load_n(&abort_stepped_aside, __ATOMIC_RELAXED));
}

int hs_fault_program_sigaction(int sig, const struct sigaction *action, struct sigaction *old)
{
    struct sigaction wanted, ours; /* copied first: action may be old */
    const struct sigaction *installing = NULL;
    if (action) {
        wanted = *action;
        installing = &wanted;
        if (keeps_ours(sig, &wanted)) {
            if (sig == SIGSEGV)
                segv_chains = false; /* the program's handler is gone */
            our_action(&ours);
            installing = &ours;
        }
    }
    int result = __sigaction(sig, installing, old);
    if (result != 0)
        return result;
    if (action)
        step_aside_for(sig, &wanted);
    if (old && is_ours(old) && !(sig == SIGSEGV && fault_backend->faults)) {
        memset(old, 0, sizeof *old);
        old->sa_handler = SIG_DFL;
    }
    return 0;
}
