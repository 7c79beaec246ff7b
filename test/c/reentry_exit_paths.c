/* How a process leaves the shim through a signal handler: the program's
 * SIGABRT handler after a heap error, a handler that calls exit() while its
 * thread is inside malloc, and a handler that allocates while the exit
 * report scans the heap or another thread holds the report.
 *
 * Usage: reentry_exit_paths MODE
 *   crashlog  a double free; the SIGABRT handler strdups a line, writes it
 *             and re-raises the signal (a crash logger).
 *   jmp       a double free; the SIGABRT handler siglongjmps back (a test
 *             runner); then malloc must work: prints "test 2: ok".
 *   nested    a SIGALRM handler mallocs while main is inside malloc (a
 *             reentrant call); the SIGABRT handler mallocs and re-raises.
 *   exitinsig a SIGALRM handler calls exit(0) while main loops malloc/free,
 *             with an idle thread.
 *   exitscan  300000 blocks live at exit; a SIGALRM handler every 2 ms does
 *             free(malloc(32)) while the exit report scans them.
 *   busy      another thread keeps checking for leaks (holding the
 *             report's lock most of the time) while a SIGALRM handler
 *             mallocs inside malloc. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "heapshim.h"

static sigjmp_buf back;

static void log_and_reraise(int sig)
{
    char *line = strdup("crash handler: writing a crash log\n");
    if (line)
        write(1, line, strlen(line));
    else
        write(1, "crash handler: strdup failed\n", 29);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void jump_back(int sig)
{
    (void)sig;
    siglongjmp(back, 1);
}

static void allocate_in_handler(int sig)
{
    (void)sig;
    free(malloc(32));
}

static void exit_in_handler(int sig)
{
    (void)sig;
    exit(0);
}

static void on(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigaction(sig, &sa, NULL);
}

static void every_us(long us)
{
    struct itimerval t = {{0, us}, {0, us}};
    setitimer(ITIMER_REAL, &t, NULL);
}

static void *idle(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void *report_forever(void *arg)
{
    (void)arg;
    for (;;)
        heapshim_leak_check(NULL, 0);
    return NULL;
}

/* A thread that takes no SIGALRM: the handler always runs on main. */
static void start(void *(*body)(void *))
{
    sigset_t alarm, old;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm, &old);
    pthread_t t;
    pthread_create(&t, NULL, body, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void double_free(void)
{
    char *volatile p = malloc(8);
    free(p);
    free(p);
}

static void churn_forever(void)
{
    for (;;) {
        void *volatile p = malloc(100);
        free(p);
    }
}

#define SCANNED 300000
static void *volatile kept[SCANNED];

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "crashlog") == 0) {
        on(SIGABRT, log_and_reraise);
        double_free();
    } else if (strcmp(mode, "jmp") == 0) {
        on(SIGABRT, jump_back);
        if (sigsetjmp(back, 1) == 0)
            double_free();
        void *volatile q = malloc(100);
        printf("test 2: %s\n", q ? "ok" : "malloc failed");
        free(q);
    } else if (strcmp(mode, "nested") == 0) {
        on(SIGABRT, log_and_reraise);
        on(SIGALRM, allocate_in_handler);
        every_us(200);
        churn_forever();
    } else if (strcmp(mode, "exitinsig") == 0) {
        start(idle);
        on(SIGALRM, exit_in_handler);
        every_us(20000);
        churn_forever();
    } else if (strcmp(mode, "exitscan") == 0) {
        for (int i = 0; i < SCANNED; i++)
            kept[i] = malloc(24);
        start(idle);
        on(SIGALRM, allocate_in_handler);
        every_us(2000);
    } else if (strcmp(mode, "busy") == 0) {
        for (int i = 0; i < SCANNED / 10; i++)
            kept[i] = malloc(24);
        start(report_forever);
        usleep(100000);
        on(SIGALRM, allocate_in_handler);
        every_us(200);
        churn_forever();
    } else {
        fprintf(stderr, "usage: reentry_exit_paths crashlog|jmp|nested|exitinsig|exitscan|busy\n");
        return 2;
    }
    return 0;
}
