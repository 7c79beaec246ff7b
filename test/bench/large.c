/* Large blocks: a window of live blocks from 64 KiB to 32 MiB (each
 * doubling of size as likely as the next), one replaced at random each
 * step. Each block is written on every page, as a program that asks for it
 * would, and checked before it is freed.
 *   large STEPS [WINDOW]
 * Default window: 8 blocks. Prints the sum of the tags. */
#include "bench.h"

#define WINDOW_MAX 64

int main(int argc, char **argv)
{
    long steps = arg(argc, argv, 1, 1000);
    long window = arg(argc, argv, 2, 8);
    if (window > WINDOW_MAX)
        die("at most %d blocks", WINDOW_MAX);
    unsigned char *live[WINDOW_MAX] = {0};
    uint64_t tag[WINDOW_MAX], rng = rng_seed(7), sum = 0;
    for (long i = 0; i < steps; i++) {
        size_t slot = rng_below(&rng, window);
        if (live[slot]) {
            block_free_tagged(live[slot], tag[slot]);
            sum += tag[slot];
        }
        size_t octave = (size_t)65536 << rng_below(&rng, 9);
        size_t size = octave + rng_below(&rng, octave);
        tag[slot] = i;
        live[slot] = block_new(size, i);
    }
    for (long slot = 0; slot < window; slot++)
        if (live[slot]) {
            block_free_tagged(live[slot], tag[slot]);
            sum += tag[slot];
        }
    if (sum != (uint64_t)steps * (steps - 1) / 2)
        die("tag sum %llu, expected %llu", (unsigned long long)sum,
            (unsigned long long)steps * (steps - 1) / 2);
    printf("large %ld %ld %llu\n", steps, window, (unsigned long long)sum);
    return 0;
}
