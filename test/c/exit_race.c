/* exit() while threads allocate: the leak report must count exactly the
 * one block main leaked, whatever the threads were doing at that instant.
 *
 * Eight threads allocate and free in a loop. Each holds its live blocks
 * only in locals (a small array on its stack, and registers) and in a
 * global list; main leaks one 48-byte block before they start and calls
 * exit() while they run. argv[1]:
 *   race     just that;
 *   blocked  also two threads that block every signal: one spinning, one
 *            in read() holding a block in a live frame (not a leak);
 *   foreign  also two threads that never call the allocator, blocked in
 *            read(): one holds a 64-byte block of main's in its live frame
 *            (reachable), the other left its only copy of a 48-byte block
 *            in a frame that returned (lost: two definite leaks in all);
 *   check    main installs its own SIGURG handler (the signal the scan
 *            stops threads with) and runs ten leak checks while the threads
 *            run: each must count the one leak, the handler must stay the
 *            program's and never run for the checks, and work after them.
 *            Exits 2 with a message otherwise. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heapshim.h"

#define WORKERS 8
#define KEPT 4
#define LIST_MAX 64

struct node {
    struct node *next;
    size_t size;
};

static struct node *list_head;
static size_t list_length;
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long progress[WORKERS];
static int pipe_fds[2];
static volatile int blocked_ready;
void *volatile sink;

__attribute__((noinline)) static void leak_one(void)
{
    sink = malloc(48);
    memset(sink, 7, 48);
    sink = NULL;
}

/* Clears the stack below main's frame: no stale copy of the leaked
 * pointer survives in a dead frame. */
__attribute__((noinline)) static void scrub_stack(void)
{
    volatile char scratch[16384];
    memset((char *)scratch, 0, sizeof scratch);
}

static void push(struct node *n)
{
    pthread_mutex_lock(&list_lock);
    n->next = list_head;
    list_head = n;
    list_length++;
    pthread_mutex_unlock(&list_lock);
}

static struct node *pop(void)
{
    pthread_mutex_lock(&list_lock);
    struct node *n = list_length > LIST_MAX ? list_head : NULL;
    if (n) {
        list_head = n->next;
        list_length--;
    }
    pthread_mutex_unlock(&list_lock);
    return n;
}

static void *worker(void *arg)
{
    unsigned index = (unsigned)(uintptr_t)arg;
    uint64_t seed = index * 2654435761u + 1;
    struct node *kept[KEPT] = {0};
    for (;;) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t size = sizeof(struct node) + (seed >> 40) % 300;
        struct node *n = malloc(size);
        n->next = NULL;
        n->size = size;
        unsigned k = (unsigned)(seed >> 33) % KEPT;
        if (kept[k] && (seed & 1))
            push(kept[k]);
        else
            free(kept[k]);
        kept[k] = n;
        free(pop());
        __atomic_add_fetch(&progress[index], 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void block_all_signals(void)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
}

static void *blocked_spinner(void *arg)
{
    block_all_signals();
    for (volatile unsigned long spins = 0;; spins++)
        ;
    return arg;
}

static void *blocked_reader(void *arg)
{
    block_all_signals();
    void *volatile held = malloc(64); /* reachable: a live frame holds it */
    char byte;
    blocked_ready = 1;
    if (read(pipe_fds[0], &byte, 1) == 1) /* never: main exits first */
        free(held);
    return arg;
}

/* ---- threads that never call the allocator ---- */

static void *volatile handoff; /* a block from main, for one such thread */
static volatile int foreign_ready;

__attribute__((noinline)) static void hand_over(size_t size)
{
    handoff = malloc(size);
    memset(handoff, 3, size);
}

__attribute__((noinline)) static void keep_stale_copy(void)
{
    volatile char pad[8192]; /* puts the copy far below what read() uses */
    void *volatile stale = handoff;
    handoff = NULL;
    pad[0] = 1;
    (void)pad;
    (void)stale;
}

static void *foreign_dropper(void *arg)
{
    char byte;
    keep_stale_copy();
    foreign_ready++;
    if (read(pipe_fds[0], &byte, 1) == 1) /* never: main exits first */
        abort();
    return arg;
}

static void *foreign_holder(void *arg)
{
    void *volatile held = handoff;
    char byte;
    handoff = NULL;
    foreign_ready++;
    if (read(pipe_fds[0], &byte, 1) == 1)
        free(held);
    return arg;
}

static void start(void *(*body)(void *), void *arg);

/* Hands a block to each thread in turn; main keeps no copy. */
static void start_foreign(void)
{
    hand_over(48);
    start(foreign_dropper, NULL);
    while (foreign_ready < 1)
        usleep(1000);
    hand_over(64);
    start(foreign_holder, NULL);
    while (foreign_ready < 2)
        usleep(1000);
    scrub_stack();
}

/* ---- leak checks while threads run ---- */

static volatile sig_atomic_t urgent_signals;

static void on_urgent(int sig)
{
    (void)sig;
    urgent_signals++;
}

static int fail(const char *what)
{
    fprintf(stderr, "exit_race: %s\n", what);
    return 2;
}

/* Leak checks while the workers run; see "check" above. */
static int check_while_running(void)
{
    for (int i = 0; i < 10; i++) {
        struct heapshim_leaks leaks;
        if (heapshim_leak_check(&leaks, 0) != HEAPSHIM_OK)
            return fail("leak check failed");
        if (leaks.definite.blocks != 1)
            return fail("a leak check did not count exactly one definite leak");
        usleep(10000);
    }
    struct sigaction now;
    if (sigaction(SIGURG, NULL, &now) != 0 || now.sa_handler != on_urgent)
        return fail("the program's SIGURG handler was not put back");
    if (urgent_signals != 0)
        return fail("the program's SIGURG handler ran during the leak checks");
    raise(SIGURG);
    if (urgent_signals != 1)
        return fail("the program's SIGURG handler does not run after the leak checks");
    return 0;
}

static void start(void *(*body)(void *), void *arg)
{
    pthread_t t;
    if (pthread_create(&t, NULL, body, arg) != 0)
        abort();
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "race";
    leak_one();
    scrub_stack();
    if (strcmp(mode, "blocked") == 0) {
        if (pipe(pipe_fds) != 0)
            return 1;
        start(blocked_spinner, NULL);
        start(blocked_reader, NULL);
        while (!blocked_ready)
            usleep(1000);
    } else if (strcmp(mode, "foreign") == 0) {
        if (pipe(pipe_fds) != 0)
            return 1;
        start_foreign();
    } else if (strcmp(mode, "check") == 0) {
        signal(SIGURG, on_urgent);
    } else if (strcmp(mode, "race") != 0) {
        return 64;
    }
    for (unsigned i = 0; i < WORKERS; i++)
        start(worker, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < WORKERS; i++)
        while (__atomic_load_n(&progress[i], __ATOMIC_RELAXED) < 1000)
            usleep(1000);
    if (strcmp(mode, "check") == 0 && check_while_running() != 0)
        exit(2);
    exit(0);
}
