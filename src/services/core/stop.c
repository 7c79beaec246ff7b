/* Stopping the world with a signal. The stopper lists /proc/self/task,
 * sends each other thread the signal with rt_tgsigqueueinfo carrying the
 * stop's generation and the thread's slot, and sleeps on a futex until every
 * thread has arrived, died, or been given up (see drop_unreachable), or the
 * wait runs out; then lists the tasks again for threads started meanwhile.
 * A process that never started a thread skips all of it. The handler (async-signal-safe: raw system calls and atomics
 * only) fills its slot and sleeps on the release futex until the stop's
 * generation is released. Slots are static, so a handler that runs late
 * never writes into memory that is gone; each slot's `arrived` names the
 * stop it arrived for, so a late handler of an earlier stop is never
 * counted. System calls are made here directly, as lock.c makes its futex
 * calls: they are the handler's, and the OS layer's wrappers save errno
 * around each call. */
#define _GNU_SOURCE
#include "services/core/stop.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "services/core/lock.h"
#include "services/core/os.h"
#include "services/core/thread.h"
#include "services/mem/regions.h"
#include "services/report/fmt.h"

#define STOP_SIGNAL SIGURG
#define WAIT_MS 2000    /* the longest a thread may take to arrive */
#define SLICE_MS 10     /* between looks at threads that have not */
#define ROUNDS_MAX 8    /* listings of the tasks, for threads started meanwhile */
#define BLOCKED_LOOKS 3 /* looks that find the signal blocked and pending: given up */

static struct hs_stopped_thread slots[HS_STOP_THREADS_MAX];
static uint8_t blocked_looks[HS_STOP_THREADS_MAX]; /* in a row */
static size_t slot_count;
static uint32_t generation; /* of the stop under way or last made */
static uint32_t released;   /* the last generation released */
static int arrivals;        /* a futex word: bumped by each arrival */
static int busy;            /* a stop is under way */
static bool signal_left;    /* some thread sent the signal never took it */
static struct sigaction program_action;

/* ---- system calls ---- */

static long futex(void *word, int op, int value, const struct timespec *timeout)
{
    return syscall(SYS_futex, word, op, value, timeout, NULL, 0);
}

static bool send_stop(pid_t pid, pid_t tid, uint32_t slot)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = STOP_SIGNAL;
    info.si_code = SI_QUEUE;
    info.si_pid = pid;
    info.si_uid = getuid();
    info.si_value.sival_ptr = (void *)(((uintptr_t)generation << 32) | slot);
    return syscall(SYS_rt_tgsigqueueinfo, pid, tid, STOP_SIGNAL, &info) == 0;
}

/* ---- the handler ---- */

#if defined(__x86_64__)
/* Whether the thread was stopped at a system call: the kernel leaves the
 * saved instruction pointer at the `syscall` instruction (0f 05) when the
 * call will be restarted, or just after it. The byte before a page start is
 * not read: it may not be mapped. */
static bool at_system_call(uintptr_t ip)
{
    const unsigned char *at = (const unsigned char *)ip;
    if (at[0] == 0x0f && at[1] == 0x05)
        return true;
    return (ip & 4095) >= 2 && at[-2] == 0x0f && at[-1] == 0x05;
}

/* The registers a called function must give back unchanged. */
static bool callee_saved(int reg)
{
    return reg == REG_RBX || reg == REG_RBP || (reg >= REG_R12 && reg <= REG_R15);
}
#endif

/* Saves the interrupted registers. At a system call (where an idle thread
 * waits) the thread is inside a called function, the libc wrapper, so only
 * the registers a callee must preserve hold its callers' values: the rest
 * are the call's arguments and scratch, often stale copies of pointers the
 * shim's own code left there, and are not kept (zeroed). */
static void save_registers(struct hs_stopped_thread *t, const ucontext_t *uc)
{
#if defined(__x86_64__)
    _Static_assert(REG_R8 == 0 && REG_RSP == 15, "gregs begin with the 16 general registers");
    const greg_t *gregs = uc->uc_mcontext.gregs;
    bool syscall_only = at_system_call((uintptr_t)gregs[REG_RIP]);
    for (int i = 0; i < HS_STOP_REGISTERS; i++)
        t->registers[i] = !syscall_only || callee_saved(i) ? (uintptr_t)gregs[i] : 0;
    t->sp = (uintptr_t)gregs[REG_RSP];
#elif defined(__aarch64__)
    for (int i = 0; i < HS_STOP_REGISTERS; i++)
        t->registers[i] = (uintptr_t)uc->uc_mcontext.regs[i];
    t->sp = (uintptr_t)uc->uc_mcontext.sp;
#else
    t->registers[0] = 0;
    t->sp = 0; /* not known: the whole stack is read */
#endif
}

/* A SIGURG of the program's own: to its handler, if it has one (the default
 * action, like ignoring it, does nothing). */
static void pass_on(int sig, siginfo_t *info, void *context)
{
    if (program_action.sa_handler == SIG_DFL || program_action.sa_handler == SIG_IGN)
        return;
    if (program_action.sa_flags & SA_SIGINFO)
        program_action.sa_sigaction(sig, info, context);
    else
        program_action.sa_handler(sig);
}

static void on_stop_signal(int sig, siginfo_t *info, void *context)
{
    int saved_errno = errno;
    uintptr_t value = (uintptr_t)info->si_value.sival_ptr;
    uint32_t stop = (uint32_t)(value >> 32), slot = (uint32_t)value;
    if (info->si_code != SI_QUEUE || info->si_pid != hs_os_getpid() ||
        stop != __atomic_load_n(&generation, __ATOMIC_ACQUIRE) || slot >= HS_STOP_THREADS_MAX ||
        slots[slot].tid != (pid_t)syscall(SYS_gettid)) {
        pass_on(sig, info, context);
        errno = saved_errno;
        return;
    }
    struct hs_stopped_thread *t = &slots[slot];
    save_registers(t, context);
    __atomic_store_n(&t->arrived, stop, __ATOMIC_RELEASE);
    __atomic_add_fetch(&arrivals, 1, __ATOMIC_RELEASE);
    futex(&arrivals, FUTEX_WAKE_PRIVATE, 1, NULL);
    for (;;) {
        uint32_t r = __atomic_load_n(&released, __ATOMIC_ACQUIRE);
        if ((int32_t)(r - stop) >= 0)
            break;
        futex(&released, FUTEX_WAIT_PRIVATE, (int)r, NULL);
    }
    errno = saved_errno;
}

/* ---- the threads ---- */

/* Whether the signal's bit is set in the hex mask that follows `field` in
 * a status file; false when the field is missing. */
static bool mask_has_signal(const char *status, const char *field)
{
    const char *p = strstr(status, field);
    if (!p)
        return false;
    p += strlen(field);
    const char *end = p;
    while ((*end >= '0' && *end <= '9') || (*end >= 'a' && *end <= 'f'))
        end++;
    int bit = STOP_SIGNAL - 1; /* signal 1 is the lowest bit of the last digit */
    if (end - p <= bit / 4)
        return false;
    char digit = end[-1 - bit / 4];
    int v = digit <= '9' ? digit - '0' : digit - 'a' + 10;
    return v >> (bit % 4) & 1;
}

enum reach { REACH_NOW, REACH_BLOCKED, REACH_HELD, REACH_GONE };

/* What thread tid does with the signal (/proc/self/task/TID/status):
 * takes it, blocks it (pending: and one is waiting), cannot take it now
 * (held: stopped by a debugger or job control), or never will (gone, or a
 * zombie). */
static enum reach reach(pid_t tid, bool *pending)
{
    char path[64], status[4096];
    hs_format(path, sizeof path, "/proc/self/task/%d/status", (int)tid);
    if (hs_os_read_file(path, status, sizeof status) <= 0)
        return REACH_GONE;
    const char *state = strstr(status, "\nState:\t");
    if (!state || state[8] == 'Z' || state[8] == 'X')
        return REACH_GONE;
    if (state[8] == 't' || state[8] == 'T')
        return REACH_HELD;
    *pending = mask_has_signal(status, "\nSigPnd:\t");
    return mask_has_signal(status, "\nSigBlk:\t") ? REACH_BLOCKED : REACH_NOW;
}

static bool known(pid_t tid)
{
    for (size_t i = 0; i < slot_count; i++)
        if (slots[i].tid == tid)
            return true;
    return false;
}

/* Gives a live thread a slot, and sends it the signal if it can take it.
 * Returns whether it was sent. */
static bool add_thread(pid_t pid, pid_t tid)
{
    bool pending;
    enum reach r = reach(tid, &pending);
    if (r == REACH_GONE)
        return false;
    struct hs_stopped_thread *t = &slots[slot_count];
    *t = (struct hs_stopped_thread){.tid = tid};
    blocked_looks[slot_count] = 0;
    if (r != REACH_HELD) { /* blocked: often for an instant only */
        if (send_stop(pid, tid, (uint32_t)slot_count))
            t->stopped = true; /* for now: sent, and expected */
        else if (errno == ESRCH)
            return false; /* ended meanwhile */
    }
    slot_count++;
    return t->stopped;
}

/* Adds the tasks of /proc/self/task not seen yet. Returns how many were
 * sent the signal. */
static size_t list_and_send(pid_t pid, pid_t self)
{
    int dir = hs_os_open("/proc/self/task");
    if (dir < 0)
        return 0;
    size_t sent = 0;
    char buf[4096];
    long n;
    while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
        for (long at = 0; at < n;) {
            const struct dirent64 *e = (const struct dirent64 *)(buf + at);
            at += e->d_reclen;
            pid_t tid = 0;
            for (const char *c = e->d_name; *c >= '0' && *c <= '9'; c++)
                tid = tid * 10 + (*c - '0');
            if (tid > 0 && tid != self && !known(tid) && slot_count < HS_STOP_THREADS_MAX)
                sent += add_thread(pid, tid);
        }
    }
    hs_os_close(dir);
    return sent;
}

static bool has_arrived(const struct hs_stopped_thread *t)
{
    return __atomic_load_n(&t->arrived, __ATOMIC_ACQUIRE) == generation;
}

static size_t count_arrived(void)
{
    size_t n = 0;
    for (size_t i = 0; i < slot_count; i++)
        n += slots[i].stopped && has_arrived(&slots[i]);
    return n;
}

/* Gives up on expected threads that died, or have blocked the signal with
 * it pending at BLOCKED_LOOKS looks in a row (a thread blocks every signal
 * for an instant while it starts, or while in this handler for the stop
 * before; one in the handler now has no signal pending). */
static void drop_unreachable(void)
{
    for (size_t i = 0; i < slot_count; i++) {
        bool pending = false;
        if (!slots[i].stopped || has_arrived(&slots[i]))
            continue;
        enum reach r = reach(slots[i].tid, &pending);
        blocked_looks[i] = r == REACH_BLOCKED && pending ? blocked_looks[i] + 1 : 0;
        if (r == REACH_GONE)
            slots[i] = (struct hs_stopped_thread){0}; /* no thread, no stack */
        else if (r == REACH_HELD || blocked_looks[i] == BLOCKED_LOOKS)
            slots[i].stopped = false;
        signal_left |= !slots[i].stopped && slots[i].tid;
    }
}

static size_t count_expected(void)
{
    size_t n = 0;
    for (size_t i = 0; i < slot_count; i++)
        n += slots[i].stopped;
    return n;
}

/* Sleeps until every thread sent the signal has arrived, or the deadline. */
static void wait_for_arrivals(uint64_t deadline_ns)
{
    for (;;) {
        int seen = __atomic_load_n(&arrivals, __ATOMIC_ACQUIRE);
        if (count_arrived() == count_expected())
            return;
        uint64_t now = hs_os_now_ns();
        if (now >= deadline_ns)
            return;
        uint64_t left = deadline_ns - now, slice = (uint64_t)SLICE_MS * 1000000;
        uint64_t wait = left < slice ? left : slice;
        struct timespec ts = {(time_t)(wait / 1000000000), (long)(wait % 1000000000)};
        if (futex(&arrivals, FUTEX_WAIT_PRIVATE, seen, &ts) != 0 && errno == ETIMEDOUT)
            drop_unreachable();
    }
}

/* ---- stop and resume ---- */

/* Installs the handler, keeping the program's action; false if a stop is
 * under way already (or sigaction fails). */
static bool begin(void)
{
    if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
        return false;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_stop_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&action.sa_mask);
    if (sigaction(STOP_SIGNAL, &action, &program_action) != 0) {
        __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
        return false;
    }
    slot_count = 0;
    signal_left = false;
    __atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);
    return true;
}

void hs_world_stop(struct hs_world *w)
{
    int saved_errno = errno;
    *w = (struct hs_world){0};
    if (hs_single_threaded()) { /* never started a thread: none to stop */
        w->made = true;
        return;
    }
    w->made = begin();
    if (!w->made) {
        errno = saved_errno;
        return;
    }
    pid_t pid = hs_os_getpid(), self = (pid_t)syscall(SYS_gettid);
    /* No thread stops holding a lock the scan takes. */
    hs_region_fork_prepare();
    hs_thread_fork_prepare();
    uint64_t deadline = hs_os_now_ns() + (uint64_t)WAIT_MS * 1000000;
    for (int round = 0; round < ROUNDS_MAX && list_and_send(pid, self) > 0; round++)
        wait_for_arrivals(deadline);
    hs_thread_fork_parent();
    hs_region_fork_release();
    for (size_t i = 0; i < slot_count; i++) {
        if (slots[i].stopped && !has_arrived(&slots[i])) {
            slots[i].stopped = false;
            signal_left = true;
        }
        w->unstopped += slots[i].tid && !slots[i].stopped;
    }
    w->threads = slots;
    w->count = slot_count;
    errno = saved_errno;
}

void hs_world_resume(struct hs_world *w)
{
    if (!w->made || !w->threads)
        return; /* nothing stopped, nothing installed */
    int saved_errno = errno;
    __atomic_store_n(&released, generation, __ATOMIC_RELEASE);
    futex(&released, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
    if (signal_left) { /* ignoring a signal discards it where it is pending */
        struct sigaction ignore;
        memset(&ignore, 0, sizeof ignore);
        ignore.sa_handler = SIG_IGN;
        sigaction(STOP_SIGNAL, &ignore, NULL);
    }
    sigaction(STOP_SIGNAL, &program_action, NULL);
    __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
    *w = (struct hs_world){0};
    errno = saved_errno;
}

const struct hs_stopped_thread *hs_world_find(const struct hs_world *w, pid_t tid)
{
    for (size_t i = 0; i < w->count; i++)
        if (w->threads[i].tid == tid)
            return &w->threads[i];
    return NULL;
}
