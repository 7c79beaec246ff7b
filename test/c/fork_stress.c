/* fork_stress: fork() from a multithreaded program never leaves the child
 * stuck in (or corrupted by) the allocator.
 *
 * Four threads allocate, check and free without pause while the main thread
 * forks FORKS times (default 200); one more thread forks once from outside
 * main meanwhile. Each child mallocs, reallocs, callocs and frees a few
 * blocks, checking their contents (every tenth child also starts a thread
 * that allocates), then leaves by _exit(0), or by exit(0) for every fourth
 * child, so the exit path (atexit handlers, the shim's exit report) runs in
 * a forked child too. The parent polls each child with waitpid(WNOHANG): one
 * still running after 10 s is killed and reported as "child N hung"; one
 * that exits non-zero or dies by a signal is reported as well.
 *
 * Usage: fork_stress [FORKS]. Prints "ok FORKS" on success, exits 1 on any
 * failure, each on its own line on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { WORKERS = 4, KEEP = 64, DEADLINE_S = 10 };

static atomic_int stop;
static atomic_int forks_done;
static atomic_int failures;

static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failure(const char *fmt, ...)
{
    if (atomic_fetch_add(&failures, 1) < 30) {
        char line[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        fprintf(stderr, "fork_stress: %s\n", line);
    }
}

static unsigned char pattern(size_t i, unsigned seed)
{
    return (unsigned char)(seed * 131u + i * 31u + (i >> 8));
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pattern(i, seed);
}

static int intact(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(i, seed))
            return 0;
    return 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the parent's allocating threads ---- */

struct kept {
    unsigned char *p;
    size_t n;
    unsigned seed;
};

static void *allocate_until_stopped(void *arg)
{
    unsigned rng = (unsigned)(uintptr_t)arg * 2654435761u + 1;
    struct kept keep[KEEP] = {{0}};
    for (unsigned round = 0; !atomic_load_explicit(&stop, memory_order_relaxed); round++) {
        rng = rng * 1103515245u + 12345u;
        struct kept *k = &keep[(rng >> 8) % KEEP];
        if (k->p && !intact(k->p, k->n, k->seed))
            failure("worker %u: a %zu-byte block was corrupted", (unsigned)(uintptr_t)arg, k->n);
        size_t n = (rng >> 4) % 16 == 0 ? 1 + (rng >> 12) % 200000 : 1 + (rng >> 12) % 4000;
        switch ((rng >> 20) % 4) {
        case 0: { /* resize the block in the slot */
            unsigned char *q = realloc(k->p, n);
            if (!q) {
                failure("worker: realloc(%zu) returned NULL", n);
                continue;
            }
            size_t kept = k->n < n ? k->n : n;
            if (k->p && !intact(q, kept, k->seed))
                failure("worker: realloc %zu -> %zu lost the contents", k->n, n);
            k->p = q;
            break;
        }
        case 1:
            free(k->p);
            k->p = calloc(1, n);
            if (k->p && k->p[n - 1] != 0)
                failure("worker: calloc(1, %zu) is not zeroed", n);
            break;
        default: free(k->p); k->p = malloc(n);
        }
        if (!k->p) {
            failure("worker: allocating %zu bytes returned NULL", n);
            k->n = 0;
            continue;
        }
        k->n = n;
        k->seed = round;
        fill(k->p, n, round);
    }
    for (int i = 0; i < KEEP; i++)
        free(keep[i].p);
    return NULL;
}

/* ---- in the child ---- */

static void *child_thread(void *arg)
{
    for (int i = 0; i < 100; i++) {
        unsigned char *p = malloc(10 + (size_t)i * 37);
        if (!p)
            return (void *)1;
        fill(p, 10 + (size_t)i * 37, (unsigned)i);
        if (!intact(p, 10 + (size_t)i * 37, (unsigned)i))
            return (void *)1;
        free(p);
    }
    return arg;
}

/* Allocates in the child; returns an exit status, 0 if all went well. */
static int child_work(int n)
{
    unsigned char *p = malloc(100);
    if (!p)
        return 3;
    fill(p, 100, 1);
    unsigned char *q = realloc(p, 20000);
    if (!q || !intact(q, 100, 1))
        return 4;
    fill(q, 20000, 2);
    q = realloc(q, 50);
    if (!q || !intact(q, 50, 2))
        return 5;
    unsigned char *z = calloc(300, 10);
    if (!z)
        return 6;
    for (int i = 0; i < 3000; i++)
        if (z[i])
            return 7;
    void *blocks[50];
    for (int i = 0; i < 50; i++) {
        blocks[i] = malloc(1 + (size_t)i * 97);
        if (!blocks[i])
            return 8;
        memset(blocks[i], i, 1 + (size_t)i * 97);
    }
    for (int i = 0; i < 50; i++)
        free(blocks[i]);
    free(z);
    free(q);
    if (n % 10 == 3) {
        pthread_t t;
        void *result = (void *)1;
        if (pthread_create(&t, NULL, child_thread, NULL) != 0)
            return 9;
        pthread_join(t, &result);
        if (result != NULL)
            return 10;
    }
    return 0;
}

static void run_child(int n)
{
    int status = child_work(n);
    if (status == 0 && n % 4 == 0)
        exit(0); /* atexit handlers and the shim's exit report run */
    _exit(status);
}

/* ---- the parent ---- */

/* Waits for a child, polling, for at most DEADLINE_S; kills it after that.
 * `who` names it in messages: "child 17", "child forked by a thread". */
static void wait_child(pid_t pid, const char *who)
{
    double deadline = now() + DEADLINE_S;
    for (;;) {
        int status;
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid) {
            if (WIFSIGNALED(status))
                failure("%s killed by signal %d (%s)", who, WTERMSIG(status),
                        strsignal(WTERMSIG(status)));
            else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                failure("%s exited with status %d", who, WEXITSTATUS(status));
            return;
        }
        if (got < 0 && errno != EINTR) {
            failure("%s: waitpid: %s", who, strerror(errno));
            return;
        }
        if (now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            failure("%s hung (killed after %d s)", who, DEADLINE_S);
            return;
        }
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
}

static int forks;

/* Forks once from a thread that is not main, while main is forking too. */
static void *fork_from_thread(void *arg)
{
    (void)arg;
    struct timespec pause = {0, 1000000};
    while (atomic_load(&forks_done) < forks / 4)
        nanosleep(&pause, NULL);
    pid_t pid = fork();
    if (pid == 0)
        run_child(0); /* leaves by exit() */
    if (pid < 0)
        failure("fork from a thread: %s", strerror(errno));
    else
        wait_child(pid, "child forked by a thread");
    return NULL;
}

int main(int argc, char **argv)
{
    forks = argc > 1 ? atoi(argv[1]) : 200;
    if (argc > 2 || forks < 1) {
        fprintf(stderr, "usage: fork_stress [FORKS]\n");
        return 2;
    }
    fflush(stdout); /* nothing buffered may be written twice by exit() in children */

    pthread_t workers[WORKERS], forker;
    for (int i = 0; i < WORKERS; i++)
        if (pthread_create(&workers[i], NULL, allocate_until_stopped, (void *)(uintptr_t)i)) {
            fprintf(stderr, "fork_stress: pthread_create failed\n");
            return 1;
        }
    if (pthread_create(&forker, NULL, fork_from_thread, NULL)) {
        fprintf(stderr, "fork_stress: pthread_create failed\n");
        return 1;
    }

    for (int n = 0; n < forks; n++) {
        pid_t pid = fork();
        if (pid == 0)
            run_child(n);
        if (pid < 0) {
            failure("fork %d: %s", n, strerror(errno));
            break;
        }
        char who[32];
        snprintf(who, sizeof who, "child %d", n);
        wait_child(pid, who);
        atomic_fetch_add(&forks_done, 1);
    }

    atomic_store(&forks_done, forks); /* even if the loop stopped early */
    pthread_join(forker, NULL);
    atomic_store(&stop, 1);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(workers[i], NULL);

    if (atomic_load(&failures)) {
        fprintf(stderr, "fork_stress: %d failures\n", atomic_load(&failures));
        return 1;
    }
    printf("ok %d\n", forks);
    return 0;
}
