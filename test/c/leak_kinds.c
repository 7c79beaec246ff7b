/* One leak scenario per run, chosen by argv[1], so a test can check the
 * exact bytes and blocks of each leak kind and the allocation stack of each.
 * The lines that allocate are marked with a SITE comment the test looks up. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct node {
    struct node *next;
    char payload[24];
};

void *held_by_global; /* not static: the compiler must keep them */
char *interior_only;
void *volatile sink;

__attribute__((noinline)) static void leak_definite(void)
{
    sink = malloc(40); /* SITE definite */
    memset(sink, 1, 40);
    sink = NULL;
}

__attribute__((noinline)) static struct node *make_node(struct node *next)
{
    struct node *n = malloc(sizeof *n); /* SITE node */
    n->next = next;
    return n;
}

__attribute__((noinline)) static void leak_list(void)
{
    struct node *head = make_node(make_node(make_node(NULL)));
    sink = head;
    sink = NULL;
}

__attribute__((noinline)) static void keep_reachable(void)
{
    held_by_global = malloc(50); /* SITE reachable */
}

__attribute__((noinline)) static void keep_interior(void)
{
    interior_only = (char *)malloc(64) + 8; /* SITE possible */
}

__attribute__((noinline)) static void *thread_body(void *arg)
{
    (void)arg;
    sink = malloc(24); /* SITE thread */
    sink = NULL;
    return NULL;
}

/* A block held only by an ended thread's thread-local variable: glibc
 * keeps the stack (and the TLS in it) cached, but nobody can reach it. */
static __thread void *thread_local_block;

__attribute__((noinline)) static void *keep_in_tls(void *arg)
{
    (void)arg;
    thread_local_block = malloc(32); /* SITE tls */
    return NULL;
}

/* A thread that leaves a pointer in a returned frame, below its stack
 * pointer, keeps another in a live frame, and blocks in read() while the
 * main thread exits: only the live one may count. */
static int pipe_fds[2];
static volatile int blocking;

__attribute__((noinline)) static void leave_stale_copy(void)
{
    volatile char pad[8192];           /* puts the copy far below what read() uses */
    void *volatile stale = malloc(40); /* SITE stale */
    pad[0] = 1;
    (void)pad;
    (void)stale;
}

__attribute__((noinline)) static void *block_in_read(void *arg)
{
    (void)arg;
    leave_stale_copy();
    void *volatile held = malloc(48);
    char byte;
    blocking = 1;
    if (read(pipe_fds[0], &byte, 1) == 1) /* never: main exits first */
        free(held);
    return NULL;
}

__attribute__((noinline)) static void *short_lived(void *arg)
{
    free(malloc(100)); /* registers the thread with the shim */
    return arg;
}

__attribute__((noinline)) static void leak_in_libc(void)
{
    sink = strdup("heapshim"); /* SITE strdup */
    sink = NULL;
    FILE *f = fopen("/proc/self/stat", "r");
    char *line = NULL;
    size_t cap = 0;
    if (f && getdelim(&line, &cap, '\n', f) > 0) /* SITE getline */
        fclose(f);
    line = NULL;
}

/* Clears the stack below main's frame, so no stale copy of a leaked
 * pointer survives in dead frames: the scan is conservative. */
__attribute__((noinline)) static void scrub_stack(void)
{
    volatile char scratch[16384];
    memset((char *)scratch, 0, sizeof scratch);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "clean";
    if (strcmp(what, "definite") == 0) {
        for (int i = 0; i < 3; i++)
            leak_definite();
    } else if (strcmp(what, "indirect") == 0) {
        leak_list();
    } else if (strcmp(what, "reachable") == 0) {
        keep_reachable();
    } else if (strcmp(what, "possible") == 0) {
        keep_interior();
    } else if (strcmp(what, "thread") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, thread_body, NULL);
        pthread_join(t, NULL);
    } else if (strcmp(what, "libc") == 0) {
        leak_in_libc();
    } else if (strcmp(what, "tls") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, keep_in_tls, NULL);
        pthread_join(t, NULL);
    } else if (strcmp(what, "blocked") == 0) {
        pthread_t t;
        if (pipe(pipe_fds) != 0 || pthread_create(&t, NULL, block_in_read, NULL) != 0)
            return 1;
        while (!blocking)
            usleep(1000);
        usleep(100000); /* into read() */
    } else if (strcmp(what, "stacks") == 0) {
        /* Eight threads in turn, each on a fresh 8 MiB stack glibc caches. */
        for (int i = 0; i < 8; i++) {
            pthread_t t[8];
            for (int k = 0; k <= i; k++)
                pthread_create(&t[k], NULL, short_lived, NULL);
            for (int k = 0; k <= i; k++)
                pthread_join(t[k], NULL);
        }
    } else if (strcmp(what, "fork") == 0) {
        pid_t child = fork();
        if (child == 0) {
            leak_definite();
            scrub_stack();
            exit(0);
        }
        int status;
        waitpid(child, &status, 0);
    } else if (strcmp(what, "exec") == 0) {
        leak_definite();
        if (fork() == 0) {
            execl("/bin/true", "true", (char *)NULL);
            _exit(127);
        }
        int status;
        wait(&status);
    } else if (strcmp(what, "clean") != 0) {
        return 64;
    }
    scrub_stack();
    return 0;
}
