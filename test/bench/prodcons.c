/* Producer and consumer: one thread allocates blocks and passes them
 * through a bounded queue to another, which checks and frees them, so every
 * free is remote.
 *   prodcons COUNT [PAIRS]
 * PAIRS producer/consumer pairs (default 1) each pass COUNT blocks. The
 * consumer must receive the blocks in order, each with its tag intact. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "bench.h"

#define CAPACITY 1024

/* A single-producer single-consumer ring; the two counters sit on
 * separate cache lines. */
struct queue {
    _Alignas(64) atomic_size_t head; /* next slot the consumer reads */
    _Alignas(64) atomic_size_t tail; /* next slot the producer fills */
    unsigned char *slot[CAPACITY];
    uint64_t seed;
};

static long count;

static void *produce(void *arg)
{
    struct queue *q = arg;
    uint64_t rng = rng_seed(q->seed);
    for (long i = 0; i < count; i++) {
        unsigned char *b = block_new(small_size(&rng), q->seed + i);
        size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
        while (tail - atomic_load_explicit(&q->head, memory_order_acquire) == CAPACITY)
            sched_yield();
        q->slot[tail % CAPACITY] = b;
        atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
    }
    return NULL;
}

static void *consume(void *arg)
{
    struct queue *q = arg;
    for (long i = 0; i < count; i++) {
        size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
        while (atomic_load_explicit(&q->tail, memory_order_acquire) == head)
            sched_yield();
        unsigned char *b = q->slot[head % CAPACITY];
        atomic_store_explicit(&q->head, head + 1, memory_order_release);
        block_free_tagged(b, q->seed + i);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    count = arg(argc, argv, 1, 1000000);
    long pairs = arg(argc, argv, 2, 1);
    if (pairs > 32)
        die("at most 32 pairs");
    struct queue *queues = aligned_alloc(64, pairs * sizeof *queues);
    check_pointer(queues, pairs * sizeof *queues);
    pthread_t t[64];
    for (long i = 0; i < pairs; i++) {
        atomic_init(&queues[i].head, 0);
        atomic_init(&queues[i].tail, 0);
        queues[i].seed = (uint64_t)(i + 1) << 40;
        if (pthread_create(&t[2 * i], NULL, consume, &queues[i]) ||
            pthread_create(&t[2 * i + 1], NULL, produce, &queues[i]))
            die("pthread_create failed");
    }
    for (long i = 0; i < 2 * pairs; i++)
        pthread_join(t[i], NULL);
    free(queues);
    printf("prodcons %ld %ld\n", count, pairs);
    return 0;
}
