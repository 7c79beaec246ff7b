/* Thread numbers for reports: 1 for the first thread that allocates, then
 * counting up, like valgrind's and ASan's T-numbers; the thread's leak
 * ignore scope; and a registry of the threads that have called the shim,
 * for the exit scan. Initial-exec TLS, so no call into the loader is ever
 * needed. */
#ifndef HS_THREAD_H
#define HS_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

extern __thread uint32_t hs_thread_number_tls __attribute__((tls_model("initial-exec")));
uint32_t hs_thread_number_assign(void);

/* While positive, blocks this thread allocates are never reported as leaks:
 * the depth of the program's ignore scopes (heapshim_ignore_begin). */
extern __thread uint32_t hs_thread_ignoring __attribute__((tls_model("initial-exec")));

/* Set while this thread is inside a call the program made into the shim
 * (only the outermost one: the entry points set it around the call to the
 * allocator and clear it on return). A call that finds it set comes from a
 * signal handler that interrupted the shim on this thread, and must not
 * touch the interrupted allocator (entry/reentry.c). Code of the shim that
 * calls out into a library that may allocate (pthread_setspecific, dlsym)
 * clears it meanwhile, with hs_thread_call_out and hs_thread_call_back. */
extern __thread bool hs_thread_in_shim __attribute__((tls_model("initial-exec")));

/* Leaves the shim for a call into another library; returns what
 * hs_thread_call_back restores afterwards. */
static inline bool hs_thread_call_out(void)
{
    bool was = hs_thread_in_shim;
    hs_thread_in_shim = false;
    return was;
}

/* Back from the call hs_thread_call_out announced. */
static inline void hs_thread_call_back(bool was) { hs_thread_in_shim = was; }

/* From the constructor: from now on each thread that allocates is seen at
 * its exit, when the dead part of its stack is cleared. */
void hs_thread_watch_exits(void);

/* Calls hook at the exit of every thread seen (see above), on that thread,
 * before its stack is cleared. At most HS_THREAD_HOOKS hooks; from init. */
#define HS_THREAD_HOOKS 4
void hs_thread_at_exit(void (*hook)(void));

static inline uint32_t hs_thread_number(void)
{
    uint32_t n = hs_thread_number_tls;
    return __builtin_expect(n != 0, 1) ? n : hs_thread_number_assign();
}

/* The registry, as the exit scan sees it. A thread is identified by its
 * thread pointer (glibc's thread descriptor, which for every thread but the
 * main one sits at the top of its stack mapping). live: a thread that has
 * called the shim and not ended; ended: the thread pointer of one that has
 * ended (not the main thread), whose stack glibc may keep cached for the
 * next thread. complete is false when the registry overflowed. visit must
 * not take locks or allocate. */
#define HS_THREADS_LIVE_MAX 1024
#define HS_THREADS_ENDED_MAX 256

struct hs_thread_visitor {
    void (*live)(pid_t tid, uintptr_t tp, void *ctx);
    void (*ended)(uintptr_t tp, void *ctx);
};
bool hs_thread_visit(const struct hs_thread_visitor *v, void *ctx);

/* fork(): the registry's lock is held across it; in the child the other
 * threads are gone, and their stacks are glibc's cache. */
void hs_thread_fork_prepare(void);
void hs_thread_fork_parent(void);
void hs_thread_fork_child(void);

#endif
