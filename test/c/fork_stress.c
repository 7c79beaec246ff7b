/* fork() from a multithreaded program must never leave the child stuck in
 * the allocator: four threads allocate and free without pause while the
 * main thread forks 200 times (and one worker forks too); each child
 * allocates, reallocates and frees, then leaves by _exit or exit (which runs
 * the exit report). A child that does not finish within 10 s is killed and
 * counted as hung. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop;

static void *allocate_forever(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    void *keep[64] = {0};
    while (!atomic_load(&stop)) {
        seed = seed * 1103515245 + 12345;
        unsigned slot = seed % 64;
        free(keep[slot]);
        keep[slot] = malloc(1 + seed % 5000);
        if (keep[slot])
            memset(keep[slot], 1, 1 + seed % 5000 < 64 ? 1 + seed % 5000 : 64);
    }
    for (int i = 0; i < 64; i++)
        free(keep[i]);
    return NULL;
}

static void child_work(int i)
{
    char *p = malloc(100);
    p = realloc(p, 10000);
    memset(p, 2, 10000);
    char *q = calloc(10, 10);
    free(p);
    free(q);
    if (i % 2)
        exit(0);
    _exit(0);
}

/* Waits for child with a deadline; returns 0 if it exited cleanly. */
static int reap(pid_t child, int i)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int status;
        pid_t r = waitpid(child, &status, WNOHANG);
        if (r == child)
            return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 10) {
            fprintf(stderr, "child %d hung\n", i);
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            return 1;
        }
        usleep(1000);
    }
}

static void *fork_from_worker(void *arg)
{
    (void)arg;
    pid_t child = fork();
    if (child == 0)
        child_work(1);
    return (void *)(intptr_t)reap(child, -1);
}

int main(int argc, char **argv)
{
    int forks = argc > 1 ? atoi(argv[1]) : 200;
    pthread_t threads[4];
    for (uintptr_t t = 0; t < 4; t++)
        pthread_create(&threads[t], NULL, allocate_forever, (void *)(t + 1));
    int bad = 0;
    for (int i = 0; i < forks; i++) {
        pid_t child = fork();
        if (child == 0)
            child_work(i);
        if (child < 0) {
            perror("fork");
            bad++;
            continue;
        }
        bad += reap(child, i);
    }
    pthread_t worker;
    void *worker_bad;
    pthread_create(&worker, NULL, fork_from_worker, NULL);
    pthread_join(worker, &worker_bad);
    bad += (int)(intptr_t)worker_bad;
    atomic_store(&stop, 1);
    for (int t = 0; t < 4; t++)
        pthread_join(threads[t], NULL);
    printf("%s %d\n", bad ? "failed" : "ok", bad);
    return bad != 0;
}
