/* fork() from a program whose threads never stop allocating, with the
 * program's own pthread_atfork handlers that allocate in prepare, parent and
 * child: one set registered after the shim's (its prepare runs before the
 * shim's, its parent and child handlers after) and one before (from
 * .preinit_array, the other way round: it runs while the shim holds its
 * locks), threads that hand blocks to each other, many short
 * threads created and joined meanwhile, and children that sometimes start a
 * thread of their own or exec /bin/true.
 *
 * Usage: fork_threads_atfork FORKS. Prints "ok FORKS" and exits 0 when every
 * child ended well; a child that hangs is killed after 10 s and fails the
 * run. A parent that makes no progress for 30 s (a fork that never returns)
 * says so and exits 2, or with HANG_WAIT set waits to be looked at. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 4
#define MAILBOX 64
#define SPAWNERS 3

static atomic_bool stopping;

/* Blocks handed from one worker to the next: the receiver frees them. */
static void *_Atomic mailbox[WORKERS][MAILBOX];

static void *atfork_block; /* allocated in prepare, freed in parent/child */
static atomic_long prepares, parents, children;
static atomic_int rounds_done;

static void prepare(void)
{
    atfork_block = malloc(200);
    memset(atfork_block, 'p', 200);
    void *extra = malloc(5000);
    free(extra);
    prepares++;
}

static void in_parent(void)
{
    free(atfork_block);
    char *note = strdup("parent");
    free(note);
    parents++;
}

static void in_child(void)
{
    free(atfork_block);
    void *p = calloc(10, 100);
    free(p);
    children++;
}

/* Handlers registered before the shim's own (from .preinit_array, which
 * runs before any library's constructor): their prepare runs after the
 * shim's, and their parent and child handlers before the shim's. */
static void *early_block;
static atomic_long early_prepares;

static void early_prepare(void)
{
    early_block = malloc(300);
    free(malloc(70000));
    early_prepares++;
}

static void early_after(void)
{
    free(early_block);
    free(malloc(40));
}

static void register_early(void) { pthread_atfork(early_prepare, early_after, early_after); }

__attribute__((section(".preinit_array"),
               used)) static void (*const preinit)(void) = register_early;

static void *worker(void *arg)
{
    long me = (long)arg;
    unsigned seed = (unsigned)me * 7919u;
    void *own[32] = {0};
    while (!atomic_load(&stopping)) {
        unsigned r = rand_r(&seed);
        int i = r % 32;
        free(own[i]);
        own[i] = malloc(16 + r % 3000);
        if (own[i])
            memset(own[i], (int)me, 16);
        void *_Atomic *out = &mailbox[(me + 1) % WORKERS][r % MAILBOX];
        free(atomic_exchange(out, malloc(8 + r % 500)));
        void *_Atomic *in = &mailbox[me][(r >> 8) % MAILBOX];
        free(atomic_exchange(in, NULL));
    }
    for (int i = 0; i < 32; i++)
        free(own[i]);
    return NULL;
}

static void *short_thread(void *arg)
{
    char *p = malloc(64 + (size_t)arg % 1000);
    free(p);
    return NULL;
}

/* Creates and joins short threads until told to stop. */
static void *spawner(void *arg)
{
    (void)arg;
    for (long n = 0; !atomic_load(&stopping); n++) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_thread, (void *)n) == 0)
            pthread_join(t, NULL);
    }
    return NULL;
}

/* Ends the run if no fork completes for 30 s. */
static void *watchdog(void *arg)
{
    (void)arg;
    int last = -1;
    for (;;) {
        sleep(30);
        int now = atomic_load(&rounds_done);
        if (now == last) {
            fprintf(stderr, "no progress for 30 s at fork %d\n", now);
            if (getenv("HANG_WAIT"))
                pause();
            _exit(2);
        }
        last = now;
    }
    return NULL;
}

/* What a child does: allocate, and sometimes start a thread or exec. */
static _Noreturn void child(int round)
{
    char *p = malloc(100);
    free(p);
    if (round % 5 == 1) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_thread, (void *)7) != 0 || pthread_join(t, NULL) != 0)
            _exit(3);
    }
    if (round % 7 == 2) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(4);
    }
    if (round % 4 == 0)
        exit(0);
    _exit(0);
}

/* Waits for pid for at most 10 s; true if it exited 0. */
static bool reaped_well(pid_t pid)
{
    int status;
    for (int waited = 0; waited < 10000; waited += 2) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) && WEXITSTATUS(status) == 0;
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
    }
    fprintf(stderr, "child %d hung\n", (int)pid);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return false;
}

int main(int argc, char **argv)
{
    int forks = argc > 1 ? atoi(argv[1]) : 300;
    pthread_atfork(prepare, in_parent, in_child);
    pthread_t workers[WORKERS], spawn[SPAWNERS];
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&workers[i], NULL, worker, (void *)i);
    for (int i = 0; i < SPAWNERS; i++)
        pthread_create(&spawn[i], NULL, spawner, NULL);
    pthread_t dog;
    pthread_create(&dog, NULL, watchdog, NULL);
    pthread_detach(dog);
    int bad = 0;
    for (int round = 0; round < forks; round++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0)
            child(round);
        if (!reaped_well(pid))
            bad++;
        atomic_fetch_add(&rounds_done, 1);
    }
    atomic_store(&stopping, true);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(workers[i], NULL);
    for (int i = 0; i < SPAWNERS; i++)
        pthread_join(spawn[i], NULL);
    for (int w = 0; w < WORKERS; w++)
        for (int i = 0; i < MAILBOX; i++)
            free(atomic_exchange(&mailbox[w][i], NULL));
    if (bad || prepares != forks || parents != forks || early_prepares != forks) {
        printf("failed: %d bad children, %ld and %ld prepares, %ld parents of %d\n", bad,
               (long)prepares, (long)early_prepares, (long)parents, forks);
        return 1;
    }
    printf("ok %d\n", forks);
    return 0;
}
