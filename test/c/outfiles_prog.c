/* A program for the tests of the files and descriptors heapshim writes to.
 * Every mode leaks one 48-byte block (so there is always a leak to report)
 * and prints its process id on stdout.
 *
 *   leak             just that
 *   many N           N more leaks of distinct sizes from distinct call
 *                    stacks (a long report)
 *   fds              prints the descriptors open in main, as "fds: 0 1 2"
 *   reuse2 FILE      closes stderr, opens FILE (which gets descriptor 2) and
 *                    writes "data" into it
 *   close2           closes stderr at exit, as coreutils' close_stdout does
 *   redirect2 FILE   puts FILE on descriptor 2 with dup2 and writes "mine"
 *   chdir DIR        changes to DIR
 *   fork N [M]       forks N children that each leak M (default 0) more
 *                    blocks, all exiting at once, and waits for them
 *   close2wait FILE  closes stderr, then waits (10 s at most) for FILE to be
 *                    there
 *   errors N         frees N blocks twice (with HEAPSHIM_ON_ERROR=continue,
 *                    N heap error reports) */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile kept;

static void leak(size_t size)
{
    kept = malloc(size);
    kept = NULL;
}

/* Leaks `count` blocks from `depth` nested frames each, so that each group
 * has a stack of its own. */
__attribute__((noinline)) static void leak_nested(unsigned depth, size_t size)
{
    if (depth == 0) {
        leak(size);
        return;
    }
    leak_nested(depth - 1, size);
    __asm__ volatile("" ::: "memory");
}

static void leak_many(int count)
{
    for (int i = 0; i < count; i++)
        leak_nested((unsigned)(i % 12), 100 + (size_t)i);
}

static void list_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        perror("opendir");
        exit(1);
    }
    printf("fds:");
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
            printf(" %s", e->d_name);
    printf("\n");
    closedir(d);
}

static void close_stderr_at_exit(void) { close(2); }

static void free_twice(int n)
{
    for (int i = 0; i < n; i++) {
        char *volatile p = malloc(32);
        free(p);
        free(p);
    }
}

static void fork_children(int n, int more)
{
    int go[2];
    if (pipe(go) != 0)
        exit(1);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            char c;
            close(go[1]);
            printf("%d\n", (int)getpid());
            fflush(stdout);
            leak(48);
            leak_many(more);
            if (read(go[0], &c, 1) < 0) /* all start their exit at once */
                exit(1);
            exit(0);
        }
    }
    close(go[1]);
    close(go[0]);
    for (int i = 0; i < n; i++)
        wait(NULL);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "leak";
    const char *arg = argc > 2 ? argv[2] : "";
    printf("%d\n", (int)getpid());
    fflush(stdout);
    leak(48);
    if (strcmp(mode, "many") == 0) {
        leak_many(atoi(arg));
    } else if (strcmp(mode, "fds") == 0) {
        list_fds();
    } else if (strcmp(mode, "reuse2") == 0) {
        close(2);
        int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd != 2)
            return 3;
        if (write(fd, "data\n", 5) != 5)
            return 4;
    } else if (strcmp(mode, "close2") == 0) {
        atexit(close_stderr_at_exit);
    } else if (strcmp(mode, "redirect2") == 0) {
        int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, 2) != 2)
            return 3;
        close(fd);
        if (write(2, "mine\n", 5) != 5)
            return 4;
    } else if (strcmp(mode, "chdir") == 0) {
        if (chdir(arg) != 0)
            return 3;
    } else if (strcmp(mode, "fork") == 0) {
        fork_children(atoi(arg), argc > 3 ? atoi(argv[3]) : 0);
    } else if (strcmp(mode, "close2wait") == 0) {
        close(2);
        for (int i = 0; i < 1000 && access(arg, F_OK) != 0; i++)
            usleep(10000);
    } else if (strcmp(mode, "errors") == 0) {
        free_twice(atoi(arg));
    } else if (strcmp(mode, "leak") != 0) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
