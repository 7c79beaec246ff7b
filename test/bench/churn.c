/* Churn of small blocks, in three shapes:
 *   churn pairs N         one thread allocates a block, uses it and frees
 *                         it, N times;
 *   churn batch N         one thread allocates batches of live blocks and
 *                         frees each batch in allocation order, in reverse
 *                         or shuffled, N blocks in all;
 *   churn window N T      T threads each keep a window of 4096 live blocks
 *                         and replace a random one N times (scaling: no
 *                         block leaves its thread).
 * Sizes are mixed small ones. Every block is checked before it is freed and
 * must carry the tag it was given; prints the sum of the tags. */
#include <pthread.h>

#include "bench.h"

#define WINDOW 4096
#define BATCH_MAX 4096

static long count;

static uint64_t pairs(void)
{
    uint64_t rng = rng_seed(1), sum = 0;
    for (long i = 0; i < count; i++) {
        unsigned char *p = block_new(small_size(&rng), i);
        block_free_tagged(p, i);
        sum += i;
    }
    return sum;
}

/* ORDER[0..N): 0..N-1 in allocation order, reversed, or shuffled. */
static void free_order(long *order, long n, int kind, uint64_t *rng)
{
    for (long i = 0; i < n; i++)
        order[i] = kind == 1 ? n - 1 - i : i;
    for (long i = n - 1; kind == 2 && i > 0; i--) {
        long j = rng_below(rng, i + 1), t = order[i];
        order[i] = order[j], order[j] = t;
    }
}

static uint64_t batches(void)
{
    static unsigned char *live[BATCH_MAX];
    static long order[BATCH_MAX];
    uint64_t rng = rng_seed(2), sum = 0;
    for (long done = 0, round = 0; done < count; round++) {
        long n = 1 + rng_below(&rng, BATCH_MAX);
        if (n > count - done)
            n = count - done;
        for (long i = 0; i < n; i++)
            live[i] = block_new(small_size(&rng), done + i);
        free_order(order, n, round % 3, &rng);
        for (long i = 0; i < n; i++) {
            block_free_tagged(live[order[i]], done + order[i]);
            sum += done + order[i];
        }
        done += n;
    }
    return sum;
}

static void *window(void *arg)
{
    uint64_t thread = (uintptr_t)arg, base = thread << 40;
    uint64_t rng = rng_seed(3 + thread), sum = 0;
    unsigned char **live = calloc(WINDOW, sizeof *live);
    uint64_t *tags = calloc(WINDOW, sizeof *tags);
    check_pointer(live, WINDOW * sizeof *live);
    check_pointer(tags, WINDOW * sizeof *tags);
    for (long i = 0; i < count; i++) {
        size_t slot = rng_below(&rng, WINDOW);
        if (live[slot]) {
            block_free_tagged(live[slot], tags[slot]);
            sum += tags[slot];
        }
        tags[slot] = base + i;
        live[slot] = block_new(small_size(&rng), tags[slot]);
    }
    for (size_t slot = 0; slot < WINDOW; slot++)
        if (live[slot]) {
            block_free_tagged(live[slot], tags[slot]);
            sum += tags[slot];
        }
    free(tags);
    free(live);
    return (void *)(uintptr_t)sum;
}

static uint64_t windows(long threads)
{
    pthread_t t[64];
    uint64_t sum = 0;
    if (threads > 64)
        die("at most 64 threads");
    for (long i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, window, (void *)(uintptr_t)i))
            die("pthread_create failed");
    for (long i = 0; i < threads; i++) {
        void *part;
        pthread_join(t[i], &part);
        sum += (uintptr_t)part;
    }
    return sum;
}

int main(int argc, char **argv)
{
    const char *shape = argc > 1 ? argv[1] : "";
    count = arg(argc, argv, 2, 1000000);
    long threads = arg(argc, argv, 3, 1);
    uint64_t sum, expected = (uint64_t)count * (count - 1) / 2;
    if (!strcmp(shape, "pairs"))
        sum = pairs();
    else if (!strcmp(shape, "batch"))
        sum = batches();
    else if (!strcmp(shape, "window")) {
        sum = windows(threads);
        expected = expected * threads + ((uint64_t)threads * (threads - 1) / 2 << 40) * count;
    } else
        die("usage: churn pairs|batch|window COUNT [THREADS]");
    if (sum != expected)
        die("tag sum %llu, expected %llu", (unsigned long long)sum, (unsigned long long)expected);
    printf("%s %ld %llu\n", shape, count, (unsigned long long)sum);
    return 0;
}
