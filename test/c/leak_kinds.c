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
