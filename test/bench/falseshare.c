/* False sharing caused by the allocator (after Hoard's cache-scratch): the
 * main thread allocates small blocks one after the other and deals them out
 * to the threads in turn; each thread frees the blocks it was dealt, then
 * round after round allocates a few small blocks of its own and writes to
 * them many times. An allocator that gives a thread memory on cache lines
 * another thread writes to makes the writes crawl.
 *   falseshare ROUNDS [WRITES] [THREADS]
 * Defaults: 1000 writes per block and round, 2 threads. Each counter must
 * end at WRITES. */
#include <pthread.h>

#include "bench.h"

#define BLOCK 16
#define PER_THREAD 4

static long rounds, writes;

static void *scratch(void *arg)
{
    void **dealt = arg;
    for (int k = 0; k < PER_THREAD; k++)
        free(dealt[k]);
    long sum = 0;
    volatile uint64_t *counter[PER_THREAD];
    for (long r = 0; r < rounds; r++) {
        for (int k = 0; k < PER_THREAD; k++) {
            counter[k] = malloc(BLOCK);
            check_pointer((void *)counter[k], BLOCK);
            *counter[k] = 0;
        }
        for (long w = 0; w < writes; w++)
            for (int k = 0; k < PER_THREAD; k++)
                *counter[k] += 1;
        for (int k = 0; k < PER_THREAD; k++) {
            if (*counter[k] != (uint64_t)writes)
                die("counter at %p reads %llu after %ld writes", (void *)counter[k],
                    (unsigned long long)*counter[k], writes);
            sum += *counter[k];
            free((void *)counter[k]);
        }
    }
    return (void *)sum;
}

int main(int argc, char **argv)
{
    rounds = arg(argc, argv, 1, 10000);
    writes = arg(argc, argv, 2, 1000);
    long threads = arg(argc, argv, 3, 2);
    if (threads > 64)
        die("at most 64 threads");
    void *dealt[64][PER_THREAD];
    for (int k = 0; k < PER_THREAD; k++)
        for (long i = 0; i < threads; i++) {
            dealt[i][k] = malloc(BLOCK);
            check_pointer(dealt[i][k], BLOCK);
        }
    pthread_t t[64];
    for (long i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, scratch, dealt[i]))
            die("pthread_create failed");
    long sum = 0;
    for (long i = 0; i < threads; i++) {
        void *part;
        pthread_join(t[i], &part);
        sum += (long)part;
    }
    if (sum != rounds * writes * threads * PER_THREAD)
        die("counters add up to %ld, expected %ld", sum, rounds * writes * threads * PER_THREAD);
    printf("falseshare %ld %ld %ld\n", rounds, writes, threads);
    return 0;
}
