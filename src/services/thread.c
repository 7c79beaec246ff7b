/* Thread numbers, ignore scopes, and the thread-exit hook. */
#define _GNU_SOURCE
#include "thread.h"

#include <pthread.h>
#include <string.h>

#include "check.h"
#include "os.h"

__thread uint32_t hs_thread_number_tls __attribute__((tls_model("initial-exec")));
__thread uint32_t hs_thread_ignoring __attribute__((tls_model("initial-exec")));
static uint32_t last_number;
static pthread_key_t exit_key;
static bool exit_key_ready;
static void (*exit_hooks[HS_THREAD_HOOKS])(void);
static unsigned exit_hook_count;

void hs_thread_at_exit(void (*hook)(void))
{
    HS_ASSERT(exit_hook_count < HS_THREAD_HOOKS);
    exit_hooks[exit_hook_count++] = hook;
}

uint32_t hs_thread_number_assign(void)
{
    hs_thread_number_tls = __atomic_add_fetch(&last_number, 1, __ATOMIC_RELAXED);
    /* Ask to be told when this thread ends. The number is set first, so an
     * allocation pthread_setspecific makes comes back here no more. */
    if (__atomic_load_n(&exit_key_ready, __ATOMIC_ACQUIRE))
        pthread_setspecific(exit_key, (void *)1);
    return hs_thread_number_tls;
}

/* Clears the dead part of the ending thread's stack, below this frame: it
 * holds stale copies of pointers (the shim's own frames, the thread's
 * returned functions) that would keep leaked blocks looking reachable to the
 * conservative scan while glibc caches the stack for reuse. Whole pages are
 * dropped (they come back zeroed if touched), the partial one is zeroed. */
__attribute__((noinline)) static void scrub_dead_stack(void)
{
    pthread_attr_t attr;
    void *low;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    bool known = pthread_attr_getstack(&attr, &low, &size) == 0;
    pthread_attr_destroy(&attr);
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    uintptr_t end = here - 512; /* this frame and the calls it makes */
    if (!known || end <= (uintptr_t)low || here > (uintptr_t)low + size)
        return;
    uintptr_t page = hs_os_page_size();
    uintptr_t whole = end & ~(page - 1);
    if (whole > (uintptr_t)low)
        hs_os_discard((void *)low, whole - (uintptr_t)low);
    memset((void *)(whole > (uintptr_t)low ? whole : (uintptr_t)low), 0,
           end - (whole > (uintptr_t)low ? whole : (uintptr_t)low));
}

static void thread_ends(void *value)
{
    (void)value;
    for (unsigned i = 0; i < exit_hook_count; i++)
        exit_hooks[i]();
    scrub_dead_stack();
}

void hs_thread_watch_exits(void)
{
    if (pthread_key_create(&exit_key, thread_ends) == 0)
        __atomic_store_n(&exit_key_ready, true, __ATOMIC_RELEASE);
}
