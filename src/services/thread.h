/* Thread numbers for reports: 1 for the first thread that allocates, then
 * counting up, like valgrind's and ASan's T-numbers; and the thread's leak
 * ignore scope. Initial-exec TLS, so no call into the loader is ever
 * needed. */
#ifndef HS_THREAD_H
#define HS_THREAD_H

#include <stdbool.h>
#include <stdint.h>

extern __thread uint32_t hs_thread_number_tls __attribute__((tls_model("initial-exec")));
uint32_t hs_thread_number_assign(void);

/* While positive, blocks this thread allocates are never reported as leaks
 * (the shim's own dlopen, and the program's hs ignore scopes). */
extern __thread uint32_t hs_thread_ignoring __attribute__((tls_model("initial-exec")));

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

#endif
