/* The fast path: one thread allocates SIZE bytes, writes a byte, frees the
 * block, and again; "mix" cycles through 64 sizes from 8 to 256 bytes.
 *   pair SIZE|mix [MILLISECONDS]
 * Runs five timed repetitions on each processor it may use, MILLISECONDS
 * in all (default 300), and prints the nanoseconds per pair of the fastest:
 * the minimum is what the allocator costs, the rest is other work on the
 * machine (on a virtual machine one processor can be much slower than the
 * other for a while). */
#define _GNU_SOURCE
#include <sched.h>

#include "bench.h"

#define MIX 64
#define REPEATS 5

static size_t sizes[MIX];

/* N pairs; dies unless every block keeps what was written. */
static void run(long n)
{
    for (long i = 0; i < n; i++) {
        size_t size = sizes[i % MIX];
        unsigned char *p = malloc(size);
        if (!p)
            die("allocation of %zu bytes failed", size);
        p[size - 1] = (unsigned char)i;
        ESCAPE(p);
        if (p[size - 1] != (unsigned char)i)
            die("block %p lost its byte", (void *)p);
        free(p);
    }
}

int main(int argc, char **argv)
{
    int mix = argc > 1 && !strcmp(argv[1], "mix");
    long size = mix ? 0 : arg(argc, argv, 1, 16);
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed))
        die("sched_getaffinity failed");
    double budget = arg(argc, argv, 2, 300) * 1e-3 / REPEATS / CPU_COUNT(&allowed);
    uint64_t rng = rng_seed(4);
    for (int i = 0; i < MIX; i++)
        sizes[i] = mix ? 8 + rng_below(&rng, 249) : (size_t)size;

    /* Calibrate: double the count until one run takes a tenth of the
     * budget, then scale it to the budget. */
    long n = 1024;
    double took;
    for (;;) {
        double start = seconds_now();
        run(n);
        took = seconds_now() - start;
        if (took >= budget / 10 || n >= (1L << 40))
            break;
        n *= 2;
    }
    n = (long)(n * budget / took) + 1;
    double best = 1e30;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        sched_setaffinity(0, sizeof one, &one);
        for (int r = 0; r < REPEATS; r++) {
            double start = seconds_now();
            run(n);
            double ns = (seconds_now() - start) * 1e9 / n;
            best = ns < best ? ns : best;
        }
    }
    printf("%.2f\n", best);
    return 0;
}
