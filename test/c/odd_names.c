/* A leak, and with argv[1] "double-free" a double free, from a function
 * whose symbol name report_odd_names.sh patches in the built program to
 * bytes that are not text (a newline, a terminal escape, bytes that are
 * not UTF-8), compiled from a file and run from a path just as odd. */
#include <stdlib.h>
#include <string.h>

void *volatile sink;

__attribute__((noinline)) static void hs_odd_name_placeholder_long_enough_for_them(int double_free)
{
    sink = malloc(40);
    memset(sink, 1, 40);
    if (double_free) {
        free(sink);
        free(sink);
    }
    sink = NULL;
}

int main(int argc, char **argv)
{
    hs_odd_name_placeholder_long_enough_for_them(argc > 1 && strcmp(argv[1], "double-free") == 0);
    return 0;
}
