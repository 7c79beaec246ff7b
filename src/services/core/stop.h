/* Stopping the world: while the leak scan reads memory, every other thread
 * of the process waits at a known point with its registers saved, so the
 * scan sees each thread's registers and live stack as one instant, the way
 * LeakSanitizer's and Boehm GC's collectors stop threads.
 *
 * Each thread listed in /proc/self/task (registered with the shim or not)
 * gets the stop signal; its handler saves the interrupted registers and
 * stack pointer, says it arrived, and sleeps until released. A thread that
 * keeps the signal blocked (for some 30 ms), is held by a debugger, or does
 * not arrive within 2 s is left running and counted as not stopped: the
 * scan then reads it as before (its stack pointer from /proc when it is
 * blocked in a system call, its whole stack when not), and the report says
 * so.
 *
 * The signal is SIGURG: ignored by default, so one that arrives late does
 * nothing, passed on silently by debuggers, and rarely used by programs.
 * Our handler is installed only while the world is stopped (the program's
 * own action is kept and restored, and a SIGURG the program sends meanwhile
 * is passed to it); so a forked child never inherits it. Threads stopped in
 * a sleep or poll see it fail with EINTR, as under Boehm GC. */
#ifndef HS_STOP_H
#define HS_STOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#if defined(__x86_64__)
#define HS_STOP_REGISTERS 16 /* rax to r15 */
#elif defined(__aarch64__)
#define HS_STOP_REGISTERS 31 /* x0 to x30 */
#else
#define HS_STOP_REGISTERS 1 /* none saved */
#endif

/* Threads stopped at most; the rest are left running. */
#define HS_STOP_THREADS_MAX 1024

struct hs_stopped_thread {
    pid_t tid;
    bool stopped;                           /* else left running */
    uint32_t arrived;                       /* the handler's: the stop it arrived for */
    uintptr_t sp;                           /* stopped: where its stack's live part starts */
    uintptr_t registers[HS_STOP_REGISTERS]; /* stopped: its general-purpose registers */
};

struct hs_world {
    bool made;                               /* else every thread was left running */
    const struct hs_stopped_thread *threads; /* every other thread found */
    size_t count;
    size_t unstopped; /* how many of them were left running */
};

/* Stops every other thread of the process and describes them in *w. The
 * caller holds every lock of the shim's it will need until hs_world_resume,
 * except the regions' and the thread registry's: those this takes while it
 * stops threads, so that no thread is stopped holding one. Never blocks
 * longer than a bounded wait for a thread that does not arrive. A stop
 * already under way elsewhere (a fault during a report) makes this one a
 * no-op: w->made false, every thread left running. */
void hs_world_stop(struct hs_world *w);

/* Releases the threads hs_world_stop stopped and puts back the program's
 * action for the signal. */
void hs_world_resume(struct hs_world *w);

/* The thread tid in w, or NULL. */
const struct hs_stopped_thread *hs_world_find(const struct hs_world *w, pid_t tid);

#endif
