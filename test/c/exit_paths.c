/* How a process ends, one way per run, chosen by argv[1]; each leaks one
 * 40-byte block first (SITE leak), and prints to stdout through stdio's
 * buffer (a file or a pipe: fully buffered) before it ends:
 *   return        returns 0 from main, an atexit handler printing
 *   exit          calls exit(0), the same handler printing
 *   abort         abort()
 *   segv          writes through a null pointer (SIGSEGV)
 *   fpe           divides by zero (SIGFPE)
 *   ill           __builtin_trap (SIGILL)
 *   kill-segv     kill(getpid(), SIGSEGV): sent, not a fault
 *   thread-abort  abort() in a second thread while main waits
 *   in-malloc-info  malloc_info(0, NULL): a SIGSEGV (plain too) inside the
 *                 allocator's own function, the shim's under LD_PRELOAD
 *   sigint-abort  installs a SIGINT handler flagged SA_ONSTACK (as CPython
 *                 does), then aborts
 *   own-abort     installs its own SIGABRT handler, which prints and ends
 *                 with _exit(42), then aborts
 *   own-segv-altstack  as Rust's runtime does: prints whether SIGSEGV's
 *                 action reads as the default, installs its own handler on
 *                 a small alternate stack, which uses that stack up to 1 KiB
 *                 (no room for another signal frame) and aborts; then
 *                 writes through a null pointer
 * The status and output must be the same under the shim as plain. */
#define _GNU_SOURCE
#include <alloca.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile sink;
int *volatile nowhere;
volatile int zero, numerator = 1000;

__attribute__((noinline)) static void leak(void)
{
    sink = malloc(40); /* SITE leak */
    memset(sink, 7, 40);
    sink = NULL;
}

static void say_goodbye(void) { printf("atexit handler ran\n"); }

static void own_abort_handler(int sig)
{
    (void)sig;
    static const char words[] = "own SIGABRT handler ran\n";
    write(1, words, sizeof words - 1);
    _exit(42);
}

static char alternate_stack[16384];
/* Called through a pointer: bound at load, not by the lazy resolver, whose
 * frame would not fit where it is called. */
static void (*volatile abort_bound)(void) = abort;

static void own_segv_handler(int sig)
{
    (void)sig;
    static const char words[] = "own SIGSEGV handler ran\n";
    write(1, words, sizeof words - 1);
    size_t left = (size_t)((char *)__builtin_frame_address(0) - alternate_stack);
    char *rest = alloca(left - 2048);
    memset(rest, 1, left - 2048);
    abort_bound();
}

static void handle_segv_on_small_stack(void)
{
    struct sigaction action;
    sigaction(SIGSEGV, NULL, &action);
    bool is_default = !(action.sa_flags & SA_SIGINFO) && action.sa_handler == SIG_DFL;
    printf("SIGSEGV action at start: %s\n", is_default ? "default" : "a handler");
    fflush(stdout);
    stack_t stack = {.ss_sp = alternate_stack, .ss_size = sizeof alternate_stack};
    sigaltstack(&stack, NULL);
    memset(&action, 0, sizeof action);
    action.sa_handler = own_segv_handler;
    action.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &action, NULL);
}

static void on_sigint(int sig) { (void)sig; }

/* Aborts once main is waiting in pthread_join: a thread still running has
 * its whole stack scanned, dead frames and all (issue 10, item 13), where
 * a copy of the leaked pointer may linger. */
static void *abort_in_thread(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
    abort();
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "return";
    leak();
    printf("main ran: %s\n", how); /* buffered: lost unless stdio is flushed */
    if (!strcmp(how, "return") || !strcmp(how, "exit")) {
        atexit(say_goodbye);
        if (!strcmp(how, "exit"))
            exit(0);
        return 0;
    }
    fflush(stdout); /* a fatal signal flushes nothing, with or without the shim */
    if (!strcmp(how, "abort")) {
        abort();
    } else if (!strcmp(how, "segv")) {
        *nowhere = 1;
    } else if (!strcmp(how, "fpe")) {
        printf("%d\n", numerator / zero);
    } else if (!strcmp(how, "ill")) {
        __builtin_trap();
    } else if (!strcmp(how, "kill-segv")) {
        kill(getpid(), SIGSEGV);
    } else if (!strcmp(how, "in-malloc-info")) {
        malloc_info(0, NULL);
    } else if (!strcmp(how, "thread-abort")) {
        pthread_t t;
        pthread_create(&t, NULL, abort_in_thread, NULL);
        pthread_join(t, NULL);
    } else if (!strcmp(how, "sigint-abort")) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_sigint;
        action.sa_flags = SA_ONSTACK;
        sigaction(SIGINT, &action, NULL);
        abort();
    } else if (!strcmp(how, "own-abort")) {
        signal(SIGABRT, own_abort_handler);
        abort();
    } else if (!strcmp(how, "own-segv-altstack")) {
        handle_segv_on_small_stack();
        *nowhere = 1;
    }
    fprintf(stderr, "exit_paths: %s did not end the process\n", how);
    return 1;
}
