/* Edges of the report on a fatal signal, one per run, chosen by argv[1];
 * each leaks one 40-byte block first:
 *   two-aborts      main calls abort(); a second thread calls abort() too,
 *                   200 ms later, while main's report is being written
 *                   (the test makes its writes wait)
 *   two-aborts-small  the same with a second thread of a 16 KiB stack
 *   small-stack N   abort() in a thread whose stack is N bytes
 *   restore-saved   installs a SIGSEGV handler of its own, saving the old
 *                   action, puts the old one back (as faulthandler and
 *                   breakpad do), then writes through a null pointer
 *   restore-same    the same with one struct for the new and the old action
 *                   (sigaction(sig, &a, &a)), twice
 *   restore-signal  the same with signal()
 * The restore ones print "view kept" if sigaction then shows the handler
 * it showed at start (whatever it is), "view changed" if not. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile leaked;

static void mine(int sig) { (void)sig; }

static void *abort_later(void *arg)
{
    (void)arg;
    usleep(200 * 1000);
    abort();
}

static pthread_t start_thread(size_t stack_size, void *(*run)(void *))
{
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    if (stack_size)
        pthread_attr_setstacksize(&attr, stack_size);
    pthread_create(&thread, &attr, run, NULL);
    return thread;
}

static void *abort_now(void *arg)
{
    (void)arg;
    abort();
}

static void (*segv_handler(void))(int)
{
    struct sigaction now;
    sigaction(SIGSEGV, NULL, &now);
    return now.sa_handler;
}

static void restore(const char *how)
{
    void (*at_start)(int) = segv_handler();
    if (strcmp(how, "restore-saved") == 0) {
        struct sigaction a, old;
        memset(&a, 0, sizeof a);
        a.sa_handler = mine;
        sigaction(SIGSEGV, &a, &old);
        sigaction(SIGSEGV, &old, NULL);
    } else if (strcmp(how, "restore-same") == 0) {
        struct sigaction a;
        memset(&a, 0, sizeof a);
        a.sa_handler = mine;
        /* One struct for both, against the restrict qualifiers: programs
         * do this (the kernel reads before it writes), and the shim's
         * sigaction must cope as the kernel does. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
        sigaction(SIGSEGV, &a, &a); /* a is now the old action */
        sigaction(SIGSEGV, &a, &a); /* back, and a is mine again */
#pragma GCC diagnostic pop
        if (a.sa_handler != mine)
            printf("old action not mine\n");
    } else {
        void (*old)(int) = signal(SIGSEGV, mine);
        signal(SIGSEGV, old);
    }
    printf("view %s\n", segv_handler() == at_start ? "kept" : "changed");
    fflush(stdout);
    *(volatile int *)0 = 1;
}

int main(int argc, char **argv)
{
    leaked = malloc(40);
    const char *how = argc > 1 ? argv[1] : "";
    if (strncmp(how, "two-aborts", 10) == 0) {
        start_thread(strcmp(how, "two-aborts-small") == 0 ? 16384 : 0, abort_later);
        abort();
    } else if (strcmp(how, "small-stack") == 0 && argc > 2) {
        pthread_join(start_thread((size_t)atol(argv[2]), abort_now), NULL);
    } else if (strncmp(how, "restore-", 8) == 0) {
        restore(how);
    }
    fprintf(stderr, "usage: fatal_signal_edges two-aborts[-small]|small-stack N|restore-saved|"
                    "restore-same|restore-signal\n");
    return 2;
}
