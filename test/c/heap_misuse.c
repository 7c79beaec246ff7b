/* Commits one heap error chosen by argv[1] and prints the block address
 * first, so a test can check that the report names the right block:
 *   overrun N     writes the byte just past the end of an N-byte block
 *   underrun N    writes the byte just before the start of an N-byte block
 *   use-after-free N   reads an N-byte block after freeing it
 *   double-free   frees a block twice
 *   invalid-free  frees a pointer into the middle of a block
 *   foreign-free  frees the address of a global
 *   bad-realloc   reallocs a freed block
 *   overrun-free N     writes 3 bytes past the end, then frees the block
 *   underrun-free N    writes 2 bytes before the start, then frees it
 *   uaf-write N   writes into a freed block, then frees 200 more blocks so
 *                 it leaves a small quarantine
 *   fresh-fill N  prints the first byte of fresh malloc memory in hex
 * A backend that misses the error lets the program reach exit(0) after
 * printing "missed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char global_buffer[64];

int main(int argc, char **argv)
{
    if (argc < 2)
        return 64;
    const char *what = argv[1];
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 32;
    volatile char *p = malloc(n);
    if (!p)
        return 65;
    memset((char *)p, 'x', n);
    printf("block %p %zu\n", (void *)p, n);
    fflush(stdout);
    if (strcmp(what, "overrun") == 0) {
        p[n] = 1;
    } else if (strcmp(what, "underrun") == 0) {
        p[-1] = 1;
    } else if (strcmp(what, "use-after-free") == 0) {
        free((void *)p);
        printf("read %d\n", p[0]);
    } else if (strcmp(what, "double-free") == 0) {
        free((void *)p);
        free((void *)p);
    } else if (strcmp(what, "invalid-free") == 0) {
        free((void *)(p + 8));
    } else if (strcmp(what, "foreign-free") == 0) {
        free(global_buffer);
    } else if (strcmp(what, "overrun-free") == 0) {
        p[n] = p[n + 1] = p[n + 2] = 1;
        free((void *)p);
    } else if (strcmp(what, "underrun-free") == 0) {
        p[-1] = p[-2] = 1;
        free((void *)p);
    } else if (strcmp(what, "uaf-write") == 0) {
        free((void *)p);
        p[1] = 7;
        for (int i = 0; i < 200; i++)
            free(malloc(64));
    } else if (strcmp(what, "fresh-fill") == 0) {
        unsigned char *fresh = malloc(n);
        printf("fill %02x\n", fresh[n / 2]);
        free(fresh);
    } else if (strcmp(what, "bad-realloc") == 0) {
        free((void *)p);
        p = realloc((void *)p, 2 * n);
    } else {
        return 64;
    }
    printf("missed\n");
    fflush(stdout);
    return 0;
}
