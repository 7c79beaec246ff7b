/* Fragmentation: round after round, allocate a mix of sizes (each round its
 * own mix), then free all but one block in sixteen, chosen at random; the
 * survivors stay live to the end, scattered over the memory of every
 * round. What matters is how much memory stays resident for the little
 * that is live.
 *   fragment ROUNDS [KIB]
 * Each round allocates KIB KiB (default 16384). Prints the bytes still live,
 * then a line "resident-kib END TRIMMED": the resident size at the end, and
 * after malloc_trim(0) (which only glibc's allocator acts on). */
#include <malloc.h>

#include "bench.h"

#define KEEP_ONE_IN 16

/* The sizes of round R: tiny, small, medium, or all of them. */
static size_t round_size(long r, uint64_t *rng)
{
    switch (r % 4) {
    case 0: return 16 + rng_below(rng, 48);
    case 1: return 64 + rng_below(rng, 448);
    case 2: return 512 + rng_below(rng, 3584);
    default: return small_size(rng);
    }
}

int main(int argc, char **argv)
{
    long rounds = arg(argc, argv, 1, 16);
    size_t budget = (size_t)arg(argc, argv, 2, 16384) << 10;
    uint64_t rng = rng_seed(8);
    size_t cap = budget / 16 + 1, kept = 0, kept_cap = 1024, live_bytes = 0;
    unsigned char **round = malloc(cap * sizeof *round);
    unsigned char **survivors = malloc(kept_cap * sizeof *survivors);
    check_pointer(round, cap * sizeof *round);
    check_pointer(survivors, kept_cap * sizeof *survivors);
    uint64_t tag = 0;
    for (long r = 0; r < rounds; r++) {
        size_t n = 0;
        for (size_t bytes = 0; bytes < budget; n++) {
            size_t size = round_size(r, &rng);
            round[n] = block_new(size, tag++);
            bytes += size;
        }
        for (size_t i = 0; i < n; i++) {
            if (rng_below(&rng, KEEP_ONE_IN)) {
                block_free(round[i]);
                continue;
            }
            if (kept == kept_cap) {
                kept_cap *= 2;
                survivors = realloc(survivors, kept_cap * sizeof *survivors);
                check_pointer(survivors, kept_cap * sizeof *survivors);
            }
            survivors[kept++] = round[i];
        }
    }
    for (size_t i = 0; i < kept; i++) {
        size_t size;
        block_check(survivors[i]);
        memcpy(&size, survivors[i] + 8, sizeof size);
        live_bytes += size;
    }
    long end = resident_kib();
    malloc_trim(0);
    long trimmed = resident_kib();
    for (size_t i = 0; i < kept; i++)
        block_free(survivors[i]);
    free(survivors);
    free(round);
    printf("fragment %ld %zu blocks %zu bytes live\n", rounds, kept, live_bytes);
    printf("resident-kib %ld %ld\n", end, trimmed);
    return 0;
}
