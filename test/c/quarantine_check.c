/* Writes into a freed block that is still in the debug backend's
 * quarantine, by argv[1]:
 *   exit    frees a 100-byte block, writes 100 bytes into it, returns from
 *           main: only the check at exit can find the write.
 *   check   the same, then heapshim_check() twice; prints "check=N" and
 *           "check_again=N" (the damage is reported once).
 *   probe   the same as exit, then asks for 2^46 bytes, more than
 *           memory: prints "refused" or "got" (which must not empty the
 *           quarantine: the write is still found at exit).
 *   big     frees an 8 MiB block and writes 5 bytes near its start and 10
 *           in its middle, then heapshim_check(); prints "check=N". Then
 *           frees a 512 MiB block it never touched and checks again,
 *           printing the minor page faults that check took ("faults N"):
 *           it must not read the pages given back at free. Run with
 *           HEAPSHIM_QUARANTINE=1G so both blocks stay in the quarantine.
 * The lines that free and check are marked SITE for the test to find. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "heapshim.h"

static char *volatile sink; /* the compiler is not to see the writes */

__attribute__((noinline)) static void write_after_free(size_t size)
{
    char *block = malloc(size); /* SITE allocated */
    if (!block)
        exit(2);
    memset(block, 'a', size);
    free(block); /* SITE freed */
    sink = block;
    memset(sink, 'Z', 100);
}

static long minor_faults(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

static void big(void)
{
    size_t size = (size_t)8 << 20;
    char *block = malloc(size);
    if (!block)
        exit(2);
    free(block);
    sink = block;
    memset(sink + 10, 'Z', 5);
    memset(sink + size / 2, 'Z', 10);
    printf("check=%ld\n", heapshim_check()); /* SITE checked */
    char *untouched = malloc((size_t)512 << 20);
    if (!untouched)
        exit(2);
    free(untouched);
    long before = minor_faults();
    long damaged = heapshim_check();
    printf("check_again=%ld\nfaults %ld\n", damaged, minor_faults() - before);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "exit") == 0) {
        write_after_free(100);
        return 0;
    }
    if (strcmp(mode, "probe") == 0) {
        write_after_free(100);
        puts(malloc((size_t)1 << 46) ? "got" : "refused");
        return 0;
    }
    if (strcmp(mode, "check") == 0) {
        write_after_free(100);
        printf("check=%ld\n", heapshim_check()); /* SITE checked */
        printf("check_again=%ld\n", heapshim_check());
        return 0;
    }
    if (strcmp(mode, "big") == 0) {
        big();
        return 0;
    }
    fprintf(stderr, "usage: quarantine_check exit | probe | check | big\n");
    return 64;
}
