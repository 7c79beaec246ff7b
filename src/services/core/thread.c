/* Thread numbers, ignore scopes, the thread-exit hook, and the registry of
 * threads: fixed arrays under a leaf lock, touched once when a thread
 * first calls the shim and once when it ends. */
#define _GNU_SOURCE
#include "services/core/thread.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "services/core/arch.h"
#include "services/core/check.h"
#include "services/core/lock.h"
#include "services/core/os.h"

#define LIVE_MAX HS_THREADS_LIVE_MAX
#define ENDED_MAX HS_THREADS_ENDED_MAX

__thread uint32_t hs_thread_number_tls __attribute__((tls_model("initial-exec")));
__thread uint32_t hs_thread_ignoring __attribute__((tls_model("initial-exec")));
__thread bool hs_thread_in_shim __attribute__((tls_model("initial-exec")));
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

struct live_thread {
    pid_t tid;
    uintptr_t tp;
};

static hs_lock registry_lock = HS_LOCK_INIT;
static struct live_thread live[LIVE_MAX];
static size_t live_count;
static uintptr_t ended[ENDED_MAX]; /* a ring: the oldest are forgotten */
static size_t ended_next;
static bool overflowed;

/* Lock held. */
static void forget_ended(uintptr_t tp)
{
    for (size_t i = 0; i < ENDED_MAX; i++)
        if (ended[i] == tp)
            ended[i] = 0;
}

static void register_live(void)
{
    uintptr_t tp = hs_arch_thread_pointer();
    hs_lock_acquire(&registry_lock);
    forget_ended(tp); /* a cached stack, taken again */
    if (live_count < LIVE_MAX)
        live[live_count++] = (struct live_thread){gettid(), tp};
    else
        overflowed = true;
    hs_lock_release(&registry_lock);
}

/* Lock held. */
static void record_ended(uintptr_t tp)
{
    if (tp) {
        ended[ended_next] = tp;
        ended_next = (ended_next + 1) % ENDED_MAX;
    }
}

static void register_end(void)
{
    pid_t tid = gettid();
    uintptr_t tp = hs_arch_thread_pointer();
    hs_lock_acquire(&registry_lock);
    for (size_t i = 0; i < live_count; i++) {
        if (live[i].tid == tid) {
            live[i] = live[--live_count];
            break;
        }
    }
    if (tid != getpid()) /* the main thread's descriptor is not on a stack */
        record_ended(tp);
    hs_lock_release(&registry_lock);
}

uint32_t hs_thread_number_assign(void)
{
    hs_thread_number_tls = __atomic_add_fetch(&last_number, 1, __ATOMIC_RELAXED);
    register_live();
    /* Ask to be told when this thread ends. The number is set first, so an
     * allocation pthread_setspecific makes comes back here no more. */
    if (__atomic_load_n(&exit_key_ready, __ATOMIC_ACQUIRE)) {
        bool in_shim = hs_thread_call_out(); /* it may allocate its key's page */
        pthread_setspecific(exit_key, (void *)1);
        hs_thread_call_back(in_shim);
    }
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
    /* cppcheck takes low and size for inputs; pthread_attr_getstack sets them. */
    /* cppcheck-suppress uninitvar */
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
    register_end();
}

void hs_thread_watch_exits(void)
{
    if (pthread_key_create(&exit_key, thread_ends) == 0)
        __atomic_store_n(&exit_key_ready, true, __ATOMIC_RELEASE);
}

bool hs_thread_visit(const struct hs_thread_visitor *v, void *ctx)
{
    hs_lock_acquire(&registry_lock);
    for (size_t i = 0; i < live_count; i++)
        v->live(live[i].tid, live[i].tp, ctx);
    for (size_t i = 0; i < ENDED_MAX; i++)
        if (ended[i])
            v->ended(ended[i], ctx);
    bool complete = !overflowed;
    hs_lock_release(&registry_lock);
    return complete;
}

void hs_thread_fork_prepare(void) { hs_lock_acquire(&registry_lock); }

void hs_thread_fork_parent(void) { hs_lock_release(&registry_lock); }

void hs_thread_fork_child(void)
{
    hs_lock_reset(&registry_lock);
    uintptr_t self = hs_arch_thread_pointer();
    size_t kept = 0;
    for (size_t i = 0; i < live_count; i++) {
        if (live[i].tp == self)
            live[kept++] = (struct live_thread){gettid(), self};
        else if (live[i].tid != getppid()) /* the parent's main thread has no stack of glibc's */
            record_ended(live[i].tp);
    }
    live_count = kept;
}
