/* A small program for the failure sweep: it checks every allocation it
 * makes and leaves cleanly when one fails, except at the site marked
 * "SITE unchecked", where a failed malloc is written through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static char *copy_name(const char *s)
{
    char *p = malloc(strlen(s) + 1);
    if (p)
        strcpy(p, s);
    return p;
}

__attribute__((noinline)) static int *make_values(int n)
{
    int *v = calloc((size_t)n, sizeof *v);
    if (v)
        for (int i = 0; i < n; i++)
            v[i] = i;
    return v;
}

__attribute__((noinline)) static char *careless_buffer(size_t n)
{
    char *b = malloc(n); /* SITE unchecked */
    memset(b, 'x', n);
    return b;
}

int main(void)
{
    char *name = copy_name("example");
    if (!name)
        return 1;
    int *values = make_values(100);
    if (!values)
        return 1;
    int *more = realloc(values, 400 * sizeof *more);
    if (!more)
        return 1;
    char *buffer = careless_buffer(64);
    printf("%s %d %c\n", name, more[99], buffer[0]);
    free(buffer);
    free(more);
    free(name);
    return 0;
}
