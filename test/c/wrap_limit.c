/* Calls whose results the limit and fail wrapper tests check, with output
 * through write(2) (stdio would allocate):
 *   limit       1000-byte blocks until malloc refuses, then what fits after
 *               a free, and a realloc beyond the limit
 *   numbered    ten allocation calls of every kind, each reported as "N:ok"
 *               or "N:ENOMEM" (a failed realloc must leave its block intact)
 *   helpers     allocations from two functions, for HEAPSHIM_FAIL_IN
 * Allocates nothing before main, so the calls are numbered from 1 here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say(const char *text)
{
    if (write(1, text, strlen(text)) < 0)
        exit(1);
}

static void report(int n, const void *p)
{
    char text[40];
    snprintf(text, sizeof text, "%d:%s ", n, p ? "ok" : errno == ENOMEM ? "ENOMEM" : "BADERRNO");
    say(text);
}

static void limit(void)
{
    char *blocks[64];
    int n = 0;
    while (n < 64 && (blocks[n] = malloc(1000)))
        n++;
    char text[160];
    snprintf(text, sizeof text, "granted %d then %s\n", n, errno == ENOMEM ? "ENOMEM" : "?");
    say(text);
    free(blocks[0]);
    char *over = malloc(1001);
    say(over ? "1001 granted\n" : "1001 refused\n");
    free(over);
    blocks[0] = malloc(1000);
    say(blocks[0] ? "1000 granted\n" : "1000 refused\n");
    memset(blocks[1], 7, 1000);
    char *bigger = realloc(blocks[1], 1001);
    say(bigger                ? "realloc granted\n"
        : blocks[1][999] == 7 ? "realloc refused, block intact\n"
                              : "realloc refused, block damaged\n");
    if (bigger)
        blocks[1] = bigger;
    for (int i = 0; i < n; i++)
        free(blocks[i]);
}

static void numbered(void)
{
    void *p[9];
    errno = 0;
    p[0] = malloc(10);
    report(1, p[0]);
    p[1] = calloc(4, 4);
    report(2, p[1]);
    p[2] = malloc(100);
    report(3, p[2]);
    if (p[2])
        memset(p[2], 5, 100);
    void *q = p[2] ? realloc(p[2], 5000) : malloc(5000);
    report(4, q);
    if (q)
        p[2] = q;
    else if (p[2] && ((unsigned char *)p[2])[99] != 5)
        say("realloc damaged its block ");
    p[3] = aligned_alloc(64, 64);
    report(5, p[3]);
    p[4] = NULL;
    int rc = posix_memalign(&p[4], 32, 32);
    errno = rc;
    report(6, rc == 0 ? p[4] : NULL);
    for (int i = 5; i < 9; i++) {
        p[i] = malloc(8 * (size_t)i);
        report(i + 2, p[i]);
    }
    say("\n");
    for (int i = 0; i < 9; i++)
        free(p[i]);
}

__attribute__((noinline)) static void *first_helper(size_t n) { return malloc(n); }

__attribute__((noinline)) static void *second_helper(size_t n) { return malloc(n); }

static void helpers(void)
{
    void *p[6];
    for (int i = 0; i < 6; i++) {
        p[i] = i % 2 ? second_helper(16) : first_helper(16);
        say(p[i] ? (i % 2 ? "second:ok " : "first:ok ") : (i % 2 ? "second:NULL " : "first:NULL "));
    }
    say("\n");
    for (int i = 0; i < 6; i++)
        free(p[i]);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "limit") == 0)
        limit();
    else if (strcmp(mode, "numbered") == 0)
        numbered();
    else if (strcmp(mode, "helpers") == 0)
        helpers();
    else
        return 2;
    return 0;
}
