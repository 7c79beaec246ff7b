/* Thread numbers for reports: 1 for the first thread that allocates, then
 * counting up, like valgrind's and ASan's T-numbers. Initial-exec TLS, so no
 * call into the loader is ever needed. */
#ifndef HS_THREAD_H
#define HS_THREAD_H

#include <stdint.h>

extern __thread uint32_t hs_thread_number_tls __attribute__((tls_model("initial-exec")));
uint32_t hs_thread_number_assign(void);

static inline uint32_t hs_thread_number(void)
{
    uint32_t n = hs_thread_number_tls;
    return __builtin_expect(n != 0, 1) ? n : hs_thread_number_assign();
}

#endif
