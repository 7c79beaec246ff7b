/* A server in the manner of Larson's benchmark: a shared pool of live
 * blocks, and threads that each replace a random one again and again, so
 * that most blocks are freed by a thread other than the one that allocated
 * them.
 *   larson OPERATIONS [THREADS] [SLOTS]
 * Each thread does OPERATIONS replacements (default 4 threads, 8192 slots).
 * Every block is checked before it is freed; the tags of all blocks freed
 * must add up to those of all blocks allocated. */
#include <pthread.h>
#include <stdatomic.h>

#include "bench.h"

static _Atomic(unsigned char *) *pool;
static long operations, slots;

static size_t block_size(uint64_t *rng) { return BLOCK_MIN + rng_below(rng, 496); }

/* Returns the sum of the tags of the blocks this thread freed. */
static void *replace(void *arg)
{
    uint64_t thread = (uintptr_t)arg, base = thread << 40;
    uint64_t rng = rng_seed(5 + thread), sum = 0;
    for (long i = 0; i < operations; i++) {
        unsigned char *fresh = block_new(block_size(&rng), base + i);
        unsigned char *old =
            atomic_exchange_explicit(&pool[rng_below(&rng, slots)], fresh, memory_order_acq_rel);
        sum += block_free(old);
    }
    return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
    operations = arg(argc, argv, 1, 1000000);
    long threads = arg(argc, argv, 2, 4);
    slots = arg(argc, argv, 3, 8192);
    if (threads > 64)
        die("at most 64 threads");
    pool = calloc(slots, sizeof *pool);
    check_pointer(pool, slots * sizeof *pool);
    uint64_t rng = rng_seed(5), freed = 0, allocated = 0;
    for (long s = 0; s < slots; s++) {
        pool[s] = block_new(block_size(&rng), s);
        allocated += s;
    }

    pthread_t t[64];
    for (long i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, replace, (void *)(uintptr_t)(i + 1)))
            die("pthread_create failed");
    for (long i = 0; i < threads; i++) {
        void *part;
        pthread_join(t[i], &part);
        freed += (uintptr_t)part;
        allocated +=
            ((uint64_t)(i + 1) << 40) * operations + (uint64_t)operations * (operations - 1) / 2;
    }
    for (long s = 0; s < slots; s++)
        freed += block_free(pool[s]);
    free(pool);
    if (freed != allocated)
        die("tags freed add up to %llu, allocated %llu", (unsigned long long)freed,
            (unsigned long long)allocated);
    printf("larson %ld %ld %llu\n", operations, threads, (unsigned long long)freed);
    return 0;
}
