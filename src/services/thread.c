#include "thread.h"

__thread uint32_t hs_thread_number_tls __attribute__((tls_model("initial-exec")));
__thread uint32_t hs_thread_ignoring __attribute__((tls_model("initial-exec")));
static uint32_t last_number;

uint32_t hs_thread_number_assign(void)
{
    hs_thread_number_tls = __atomic_add_fetch(&last_number, 1, __ATOMIC_RELAXED);
    return hs_thread_number_tls;
}
