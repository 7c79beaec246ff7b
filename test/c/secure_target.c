/* The program once/secure_exec.sh runs setuid root as an unprivileged user.
 * It prints whether it runs in secure execution (AT_SECURE) and which
 * heapshim backend serves it, makes 100 allocations of 40 bytes and frees
 * them, then leaks one block; with argv[1] "double-free" it then frees a
 * block twice and says whether it carried on. On descriptor 3, if open, it
 * writes the addresses of a heap block, of its code and of its stack, for
 * the test to look for in the report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "heapshim.h"

void *volatile sink;

int main(int argc, char **argv)
{
    const char *backend = heapshim_active_backend();
    printf("secure=%lu backend=%s\n", getauxval(AT_SECURE), backend ? backend : "none");
    int refused = 0;
    for (int i = 0; i < 100; i++) {
        void *p = malloc(40);
        refused += !p;
        if (p)
            memset(p, i, 40);
        free(p);
    }
    printf("refused=%d\n", refused);
    sink = malloc(48); /* the leak */
    char layout[128];
    int n = snprintf(layout, sizeof layout, "%p %p %p\n", sink, (void *)main, (void *)&n);
    if (write(3, layout, (size_t)n) < 0) {
        /* descriptor 3 not open: nobody asked */
    }
    sink = NULL;
    if (argc > 1 && strcmp(argv[1], "double-free") == 0) {
        char *p = malloc(32);
        fflush(stdout);
        free(p);
        free(p);
        printf("carried on after a double free\n");
    }
    return 0;
}
