/* A signal handler that calls malloc and free while the thread it
 * interrupts is inside malloc or free: not legal C, but real programs do it.
 * The main thread loops malloc/free and a timer (setitimer, SIGALRM) fires
 * every 200 µs; the handler allocates, frees its block, and frees a block
 * main left for it.
 *
 * Usage: signal_reentry [threads]
 *   threads: also run two threads allocating meanwhile (with SIGALRM
 *   blocked, so the handler always runs on main).
 * Runs until a handler has seen its malloc fail NESTED_WANTED times (that is
 * how a shim that refuses the nested call answers it) or 20 s have passed,
 * then prints "ok HANDLED NESTED" and exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define NESTED_WANTED 20

static volatile sig_atomic_t handled, nested;
static void *_Atomic for_handler; /* a block main leaves for the handler to free */
static atomic_bool stopping;

/* noinline: its frame must show in the stack of the nested call. */
__attribute__((noinline)) static void on_alarm(int sig)
{
    (void)sig;
    char *p = malloc(48);
    if (p)
        memset(p, 'h', 48);
    else
        nested++;
    free(p);
    free(atomic_exchange(&for_handler, NULL));
    handled++;
}

static void *busy(void *arg)
{
    (void)arg;
    while (!atomic_load(&stopping))
        free(malloc(100));
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    bool threads = argc > 1 && strcmp(argv[1], "threads") == 0;
    pthread_t others[2];
    if (threads) {
        sigset_t alarm;
        sigemptyset(&alarm);
        sigaddset(&alarm, SIGALRM);
        pthread_sigmask(SIG_BLOCK, &alarm, NULL);
        for (int i = 0; i < 2; i++)
            pthread_create(&others[i], NULL, busy, NULL);
        pthread_sigmask(SIG_UNBLOCK, &alarm, NULL);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every = {{0, 200}, {0, 200}};
    setitimer(ITIMER_REAL, &every, NULL);

    void *keep[64] = {0};
    double end = now() + 20;
    for (unsigned long i = 0; nested < NESTED_WANTED && (i & 1023 || now() < end); i++) {
        free(keep[i % 64]);
        keep[i % 64] = malloc(16 + i % 200);
        if (!atomic_load(&for_handler))
            free(atomic_exchange(&for_handler, malloc(32)));
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    atomic_store(&stopping, true);
    if (threads)
        for (int i = 0; i < 2; i++)
            pthread_join(others[i], NULL);
    for (int i = 0; i < 64; i++)
        free(keep[i]);
    free(atomic_exchange(&for_handler, NULL));
    printf("ok %d %d\n", (int)handled, (int)nested);
    return 0;
}
